// A virtualised table body: a job can have tens of thousands of rows, but only the rows in view
// (plus a buffer) exist in the DOM, and rows are fetched page by page as the user scrolls.
//
// The CSP forbids inline styles, so the scroll height cannot be set with `style.height`. Instead
// the rows above and below the rendered window are stood in for by filler rows whose heights
// come from CSS classes (`vfill-1`, `vfill-10`, … `vfill-10000`, each that many rows tall): any
// count is written as a sum of those, at most nine of each size.

const FILL_SIZES = [10000, 1000, 100, 10, 1];

function fillers(count, columns) {
  const rows = [];
  let left = count;
  for (const size of FILL_SIZES) {
    while (left >= size) {
      const tr = document.createElement('tr');
      tr.className = `vfill vfill-${size}`;
      tr.setAttribute('aria-hidden', 'true');
      const td = document.createElement('td');
      td.colSpan = columns;
      tr.append(td);
      rows.push(tr);
      left -= size;
    }
  }
  return rows;
}

export class VirtualTable {
  /**
   * @param {object} o
   * @param {HTMLElement} o.viewport   the scroll container (holds the <table>)
   * @param {HTMLTableSectionElement} o.tbody
   * @param {number} o.columns
   * @param {(offset:number, limit:number) => Promise<{total:number, rows:object[]}>} o.fetchPage
   * @param {(row:object, index:number) => HTMLTableRowElement} o.renderRow
   * @param {(index:number) => HTMLTableRowElement} o.renderPlaceholder
   */
  constructor({ viewport, tbody, columns, fetchPage, renderRow, renderPlaceholder, pageSize = 100, buffer = 12 }) {
    this.viewport = viewport;
    this.tbody = tbody;
    this.table = tbody.closest('table');
    this.columns = columns;
    this.fetchPage = fetchPage;
    this.renderRow = renderRow;
    this.renderPlaceholder = renderPlaceholder;
    this.pageSize = pageSize;
    this.buffer = buffer;
    this.total = 0;
    this.pages = new Map(); // page number → rows
    this.stale = new Set(); // pages to fetch again (kept on screen meanwhile)
    this.inflight = new Set();
    this.generation = 0; // bumps on reset, so answers for an old job are dropped
    this.range = null;
    this.dirty = false; // fetched rows arrived for the current range
    this.frame = 0;
    viewport.addEventListener('scroll', () => this.schedule(), { passive: true });
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => this.schedule(true)).observe(viewport);
    }
  }

  /** Start over with a new source (a new job). */
  reset(total = 0) {
    this.generation += 1;
    this.pages.clear();
    this.stale.clear();
    this.inflight.clear();
    this.total = Math.max(0, Number(total) || 0);
    this.range = null;
    this.viewport.scrollTop = 0;
    this.schedule(true);
  }

  setTotal(total) {
    const n = Math.max(0, Number(total) || 0);
    if (n !== this.total) {
      this.total = n;
      this.schedule(true);
    }
  }

  /** Rows may have changed (a running job): fetch the pages in view again, keeping what is shown. */
  refreshVisible() {
    if (!this.range) return;
    for (const page of this.pagesIn(this.range.start, this.range.end)) {
      if (this.pages.has(page)) this.stale.add(page);
    }
    // Pages out of view are outdated too; fetch them again when they come into view.
    for (const page of this.pages.keys()) this.stale.add(page);
    this.ensurePages(this.range.start, this.range.end);
  }

  rowHeight() {
    const value = parseFloat(getComputedStyle(this.viewport).getPropertyValue('--vrow-h'));
    return Number.isFinite(value) && value > 0 ? value : 36;
  }

  schedule(force = false) {
    if (force) this.range = null;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  pagesIn(start, end) {
    const pages = [];
    if (end <= start) return pages;
    for (let p = Math.floor(start / this.pageSize); p <= Math.floor((end - 1) / this.pageSize); p += 1) pages.push(p);
    return pages;
  }

  visibleRange() {
    const rowH = this.rowHeight();
    const head = this.table && this.table.tHead ? this.table.tHead.offsetHeight : 0;
    const top = Math.max(0, this.viewport.scrollTop - head);
    const first = Math.floor(top / rowH);
    const count = Math.ceil((this.viewport.clientHeight || rowH * 10) / rowH) + 1;
    const start = Math.max(0, Math.min(this.total, first - this.buffer));
    const end = Math.min(this.total, first + count + this.buffer);
    return { start, end };
  }

  render() {
    const { start, end } = this.visibleRange();
    if (this.range && this.range.start === start && this.range.end === end && !this.dirty) return;
    this.range = { start, end };
    this.dirty = false;
    if (this.table) this.table.setAttribute('aria-rowcount', String(this.total + 1));

    const rows = fillers(start, this.columns);
    for (let i = start; i < end; i += 1) {
      const page = this.pages.get(Math.floor(i / this.pageSize));
      const row = page ? page[i % this.pageSize] : undefined;
      const tr = row ? this.renderRow(row, i) : this.renderPlaceholder(i);
      tr.classList.add('vrow');
      tr.setAttribute('aria-rowindex', String(i + 2));
      rows.push(tr);
    }
    rows.push(...fillers(this.total - end, this.columns));
    this.tbody.replaceChildren(...rows);
    this.ensurePages(start, end);
  }

  ensurePages(start, end) {
    for (const page of this.pagesIn(start, end)) {
      if (this.inflight.has(page)) continue;
      if (this.pages.has(page) && !this.stale.has(page)) continue;
      this.load(page);
    }
  }

  async load(page) {
    const generation = this.generation;
    this.inflight.add(page);
    try {
      const answer = await this.fetchPage(page * this.pageSize, this.pageSize);
      if (generation !== this.generation) return;
      this.pages.set(page, Array.isArray(answer && answer.rows) ? answer.rows : []);
      this.stale.delete(page);
      if (answer && Number.isFinite(Number(answer.total))) this.total = Math.max(0, Number(answer.total));
      this.dirty = true;
      this.schedule();
    } catch (err) {
      if (generation !== this.generation) return;
      // Leave the placeholders; the next scroll or progress message tries again.
      console.warn('could not load result rows', err);
    } finally {
      if (generation === this.generation) this.inflight.delete(page);
    }
  }
}
