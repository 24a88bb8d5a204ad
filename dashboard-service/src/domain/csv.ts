/**
 * RFC 4180 text: fields separated by commas, records ended by CRLF, a field
 * quoted (with its quotes doubled) when it holds a comma, a quote, CR or LF.
 * A field that starts with =, +, - or @ gets no special treatment: the export
 * is data, and spreadsheet users import it as text.
 */
export function csvField(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRecord(fields: (string | number | Date | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
