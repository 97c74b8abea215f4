// The floor, no library: open the database where the core keeps its sessions and read the two
// records a restore cannot do without (the key and the session), in one transaction.
import { fail, report } from './report.js';

const { database, records } = window.benchConfig.floor;
const since = performance.now();
const request = indexedDB.open(database);
request.onerror = () => fail(request.error);
request.onsuccess = () => {
  const store = request.result.transaction('records').objectStore('records');
  const reads = records.map((key) => store.get(key));
  reads.at(-1).onsuccess = () => report(reads.every((read) => read.result) && 'key+session', since);
};
