// A page with a module script and no library: what loading any page costs on this machine.
import { report } from './report.js';

report('blank');
