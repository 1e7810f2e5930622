// A CSV file cut into pieces the server takes one request at a time (it caps rows per request):
// each piece is the header plus whole records, so a quoted cell's line break never splits a row.

/**
 * @typedef {{text: string, rows: number, rowsBefore: number, firstLine: number, headerLines: number, end: number}} CsvChunk
 *   `text`: the header then the records; `firstLine`: the file's line of the first record;
 *   `rowsBefore`: the file's rows before it; `end`: where it ends in the file's text
 */

/**
 * The pieces of `text` holding at most `rows` rows each (blank lines are no rows).
 * @param {string} text @param {number} rows
 * @returns {Generator<CsvChunk>}
 */
export function* csvChunks(text, rows) {
  const start = text.startsWith("\uFEFF") ? 1 : 0;
  const [headerEnd, headerLines] = recordEnd(text, start);
  let header = text.slice(start, headerEnd);
  if (!header.endsWith("\n")) header += "\n";
  let at = headerEnd;
  let line = 1 + headerLines;
  let rowsBefore = 0;
  while (at < text.length) {
    let end = at;
    let count = 0;
    let lines = 0;
    while (count < rows && end < text.length) {
      const [next, breaks] = recordEnd(text, end);
      if (/\S/.test(text.slice(end, next))) count++;
      lines += breaks;
      end = next;
    }
    if (count > 0) yield { text: header + text.slice(at, end), rows: count, rowsBefore, firstLine: line, headerLines, end };
    rowsBefore += count;
    line += lines;
    at = end;
  }
}

/**
 * Where the record starting at `from` ends (just past its line break, or the end of the text),
 * and how many line breaks it holds: a line break inside quotes belongs to the record.
 * @param {string} text @param {number} from
 * @returns {[number, number]}
 */
export function recordEnd(text, from) {
  let at = from;
  let quotes = 0;
  let breaks = 0;
  for (;;) {
    const newline = text.indexOf("\n", at);
    const end = newline < 0 ? text.length : newline + 1;
    const line = text.slice(at, end);
    for (let q = line.indexOf('"'); q >= 0; q = line.indexOf('"', q + 1)) quotes++;
    at = end;
    if (newline >= 0) breaks++;
    if (quotes % 2 === 0 || newline < 0) return [at, breaks];
  }
}
