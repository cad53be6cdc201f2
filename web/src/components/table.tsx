/**
 * DataTable: every list in the UI. Built on TanStack Table (headless: column model, client-side sorting); this file
 * owns the markup and the phone layout. Below 600 px a row becomes a card: each cell shows its column's header as a
 * label (`data-label`), so a list stays readable at 390 px without sideways scrolling.
 */
import {
  createSortedRowModel,
  rowSortingFeature,
  sortFn_alphanumeric,
  sortFn_basic,
  sortFn_datetime,
  sortFn_text,
  tableFeatures,
  useTable,
  type ColumnDef,
  type RowData,
  type SortingState,
} from '@tanstack/react-table';
import { Fragment, useMemo, useState, type ReactNode } from 'react';

const features = tableFeatures({
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric, text: sortFn_text, basic: sortFn_basic, datetime: sortFn_datetime },
});

export interface Column<T> {
  /** Stable id; also the sort key in the URL-free sorting state. */
  id: string;
  /** Header text; also the cell's label in the phone layout. */
  header: string;
  /** Hide the header text (an actions column); the phone layout shows no label either. */
  headerHidden?: boolean;
  cell: (row: T) => ReactNode;
  /** A value to sort by; columns without one are not sortable. */
  sortValue?: (row: T) => string | number | null;
  /** `num`: right-aligned tabular figures; `actions`: right-aligned buttons. */
  align?: 'num' | 'actions';
  /** Left out of the phone layout (secondary detail). */
  hideOnPhone?: boolean;
  className?: string;
}

export interface DataTableProps<T extends RowData> {
  /** The accessible name of the table. */
  label: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  /** Extra class names for a row (e.g. `row-dim` for an inactive one). */
  rowClassName?: (row: T) => string | undefined;
  /** `data-*` attributes of a row (tests and live updates find rows by them), e.g. `{ 'data-alert-id': a.id }`. */
  rowData?: (row: T) => Record<`data-${string}`, string | undefined>;
  /** A full-width row under a row (e.g. an inline form opened from it); nothing when it returns null. */
  rowDetail?: (row: T) => ReactNode;
  /** The class of the detail row's `<tr>`. */
  rowDetailClassName?: string;
  /** Rows under the body, in a `<tfoot>` (e.g. a total); not sorted. */
  footer?: ReactNode;
  /** Initial sort, e.g. `{ id: 'name', desc: false }`; unsorted keeps the server's order. */
  initialSort?: { id: string; desc: boolean };
  dense?: boolean;
  /** Extra class names of the table (page styles such as `alert-table`). */
  className?: string;
  testId?: string;
}

export function DataTable<T extends RowData>({
  label,
  columns,
  rows,
  rowKey,
  rowClassName,
  rowData,
  rowDetail,
  rowDetailClassName,
  footer,
  initialSort,
  dense,
  className,
  testId,
}: DataTableProps<T>) {
  const [sorting, setSorting] = useState<SortingState>(initialSort ? [initialSort] : []);
  const defs = useMemo(
    () =>
      columns.map((c): ColumnDef<typeof features, T> => ({
        id: c.id,
        header: c.header,
        accessorFn: (row: T) => (c.sortValue ? c.sortValue(row) : null),
        enableSorting: !!c.sortValue,
        sortUndefined: 'last',
      })),
    [columns],
  );
  const table = useTable({
    features,
    columns: defs,
    data: rows,
    getRowId: (row: T) => rowKey(row),
    state: { sorting },
    onSortingChange: setSorting,
    enableMultiSort: false,
  });
  const byId = new Map(columns.map((c) => [c.id, c]));
  const cls = (c: Column<T>) =>
    [
      c.align === 'num' ? 'num' : c.align === 'actions' ? 'actions-col' : '',
      c.hideOnPhone ? 'phone-hide' : '',
      c.className ?? '',
    ]
      .filter(Boolean)
      .join(' ') || undefined;

  return (
    <table
      className={['table table-stack', dense ? 'table-dense' : '', className ?? ''].filter(Boolean).join(' ')}
      aria-label={label}
      data-testid={testId}
    >
      <thead>
        {table.getHeaderGroups().map((group) => (
          <tr key={group.id}>
            {group.headers.map((h) => {
              const c = byId.get(h.column.id)!;
              const sorted = h.column.getIsSorted();
              return (
                <th
                  key={h.id}
                  className={cls(c)}
                  aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                >
                  {c.headerHidden ? (
                    <span className="sr-only">{c.header}</span>
                  ) : h.column.getCanSort() ? (
                    <button type="button" className="th-sort" onClick={h.column.getToggleSortingHandler()}>
                      {c.header}
                      <span aria-hidden="true" className="th-sort-mark">
                        {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
                      </span>
                    </button>
                  ) : (
                    c.header
                  )}
                </th>
              );
            })}
          </tr>
        ))}
      </thead>
      <tbody>
        {table.getRowModel().rows.map((r) => {
          const detail = rowDetail?.(r.original);
          return (
            <Fragment key={r.id}>
              <tr className={rowClassName?.(r.original)} {...rowData?.(r.original)}>
                {columns.map((c) => {
                  const content = c.cell(r.original);
                  // A cell with nothing in it (a row without actions) shows no label in the phone layout either.
                  const empty = content == null || content === false || content === '';
                  return (
                    <td key={c.id} className={cls(c)} data-label={c.headerHidden || empty ? undefined : c.header}>
                      {/* One box per cell: in the phone layout the label and the whole cell sit side by side. */}
                      <div>{content}</div>
                    </td>
                  );
                })}
              </tr>
              {detail != null && detail !== false && (
                <tr className={rowDetailClassName}>
                  <td colSpan={columns.length}>{detail}</td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
      {footer ? <tfoot>{footer}</tfoot> : null}
    </table>
  );
}
