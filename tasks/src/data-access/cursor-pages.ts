/** Hands a cursor's documents over in pages of `pageSize` (the last one shorter). */
export async function forEachPageOf<T>(cursor: AsyncIterable<T>, pageSize: number, onPage: (page: T[]) => Promise<void>): Promise<void> {
  let page: T[] = [];
  for await (const document of cursor) {
    page.push(document);
    if (page.length >= pageSize) {
      await onPage(page);
      page = [];
    }
  }
  if (page.length > 0) await onPage(page);
}
