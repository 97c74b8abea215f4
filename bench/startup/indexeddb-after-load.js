// The same open and read as indexeddb.js, begun 200 ms after the page's load event instead of
// while the page loads: a browser busy loading a page answers IndexedDB later, and this shows by
// how much (compare the time from the open on both pages).
import { fail, report } from './report.js';

const { database, records } = window.benchConfig.floor;
addEventListener('load', () =>
  setTimeout(() => {
    const since = performance.now();
    const request = indexedDB.open(database);
    request.onerror = () => fail(request.error);
    request.onsuccess = () => {
      const store = request.result.transaction('records').objectStore('records');
      const reads = records.map((key) => store.get(key));
      reads.at(-1).onsuccess = () =>
        report(reads.every((read) => read.result) && 'key+session', since);
    };
  }, 200),
);
