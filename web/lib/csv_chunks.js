// A CSV file cut into pieces the server takes one request at a time (it caps rows per request),
// read a slice of bytes at a time and never held whole: each piece is the header plus whole
// records, cut at record ends (a quoted cell's line break never splits a row). Bytes, not text:
// a quote (0x22) and a line feed (0x0A) never occur inside a UTF-8 sequence, so the cuts need
// no decoding.

/**
 * @typedef {{body: Blob, rows: number, rowsBefore: number, firstLine: number, end: number}} CsvPiece
 *   `body`: the header then the piece's records (slices of the file, not copies); `rows`: its
 *   records (blank lines are none); `rowsBefore`: the file's records before it; `firstLine`: the
 *   file's line just after the header, as the piece's body has it; `end`: its end in the file, in bytes
 */

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Where a scan through the file stands: its offset, quote state, and what it has counted. */
class Scan {
  constructor() {
    this.at = 0;
    this.quoted = false;
    this.content = false; // the current record has a byte other than CR or LF
    this.lines = 0; // line feeds passed
  }

  /**
   * Scan `bytes` (the file's bytes from `this.at`) up to `want` more records; answer how many
   * records ended and stop just past the last one's line feed.
   * @param {Uint8Array} bytes @param {number} want
   */
  records(bytes, want) {
    let found = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === QUOTE) this.quoted = !this.quoted;
      if (b === LF) {
        this.lines++;
        if (!this.quoted) {
          if (this.content) found++;
          this.content = false;
          if (found === want) {
            this.at += i + 1;
            return found;
          }
          continue;
        }
      }
      if (b !== CR && b !== LF) this.content = true;
    }
    this.at += bytes.length;
    return found;
  }
}

/**
 * The pieces of `blob` holding at most `rows` records each, read `sliceBytes` at a time.
 * @param {Blob} blob @param {number} rows @param {number} [sliceBytes]
 * @returns {AsyncGenerator<CsvPiece>}
 */
export async function* csvPieces(blob, rows, sliceBytes = 1 << 20) {
  const scan = new Scan();
  await scanRecords(blob, scan, 1, sliceBytes); // the header
  const header = blob.slice(0, scan.at); // ends with its line feed whenever a record follows
  let rowsBefore = 0;
  while (scan.at < blob.size) {
    const start = scan.at;
    const linesBefore = scan.lines;
    const found = await scanRecords(blob, scan, rows, sliceBytes);
    const last = scan.at >= blob.size && scan.content ? 1 : 0; // a last record with no line feed
    if (found + last === 0) break;
    yield { body: new Blob([header, blob.slice(start, scan.at)]), rows: found + last, rowsBefore,
            firstLine: linesBefore + 1, end: scan.at };
    rowsBefore += found + last;
  }
}

/** @param {Blob} blob @param {Scan} scan @param {number} want @param {number} sliceBytes */
async function scanRecords(blob, scan, want, sliceBytes) {
  let found = 0;
  while (found < want && scan.at < blob.size) {
    const bytes = new Uint8Array(await blob.slice(scan.at, scan.at + sliceBytes).arrayBuffer());
    found += scan.records(bytes, want - found);
  }
  return found;
}
