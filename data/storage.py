"""Importing sales into the database, previewing an import, and (re-exported) the read helpers.

An import is all-or-nothing across its files: one transaction stages each file in a temporary
table, counts new / replaced / unchanged keys in SQL and upserts. Every file leaves a row in
``uploads``; a rejected batch records its rejections in a separate transaction, so the reasons
are kept while no sales data changes. Raw files are kept under ``upload_dir`` as ``<sha256>.<ext>``,
also for a file rejected for its content (its upload row links it, so the admin can download what was
refused); files over the size limit or of an unsupported type are not kept. A preview
(``preview_sales_files``) runs the same checks on the batch and writes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select

from data.coverage import CatalogueState, Coverage, file_coverage
from data.frequency import FrequencyError, normalise_dates, resolve_frequency
from data.i18n import N_, Message, message
from data.ingest import SalesTable, aggregate, check_file, read_sales_table, table_from_frame
from data.limits import SalesLimits
from data.problems import rejection_texts
from data.progress import Progress
from data.queries import (
    dataset_frequency,
    date_range,
    list_categories,
    list_products,
    list_stores,
    load_revenue_series,
    load_sales,
    rows_changed_since,
    sales_summary,
    store_reporting,
)
from data.raw_files import frame_sha256, keep_raw_file, keep_raw_frame, sha256_file
from data.schema import Product, Sale, Setting, Upload, utc_now
from data.staging import (
    DeferredKey,
    KeyCounts,
    bulk_session,
    count_keys,
    count_new_series,
    create_overlay,
    create_staging,
    direct_load_supported,
    drop_overlay,
    drop_staging,
    fill_staging,
    indexes_built_after_load,
    keep_replaced,
    load_into_empty_sales,
    lock_sales,
    sales_empty,
    stage_into_overlay,
    upsert_catalogue,
    upsert_sales,
)
from data.validation import DecimalMark, Problem, ProblemCollector, SalesFileError, check_totals, merge_errors

__all__ = [
    "ImportPreview",
    "ImportResult",
    "dataset_frequency",
    "date_range",
    "import_sales_files",
    "import_sales_frame",
    "list_categories",
    "list_products",
    "list_stores",
    "load_revenue_series",
    "load_sales",
    "preview_sales_file",
    "preview_sales_files",
    "rows_changed_since",
    "sales_summary",
]


@dataclass(frozen=True)
class ImportResult:
    """What one file did to the database (``status``: imported, unchanged or rejected)."""

    filename: str
    status: str
    rows_read: int = 0
    rows_new: int = 0
    rows_replaced: int = 0
    rows_unchanged: int = 0
    frequency: str | None = None
    date_min: dt.date | None = None
    date_max: dt.date | None = None
    sha256: str | None = None
    stored_path: str | None = None
    upload_id: int | None = None
    note: str = ""  # in English; ``note_text(language)`` for a reader
    note_message: Message | None = None

    def note_text(self, language: str) -> str:
        """The note in ``language`` ("" when there is none)."""
        return self.note_message.text(language) if self.note_message else self.note

    def summary(self) -> str:
        """One line for the CLI and the admin page."""
        text = (
            f"{self.filename}: {self.status}; {self.rows_read} rows read, {self.rows_new} new, "
            f"{self.rows_replaced} replaced, {self.rows_unchanged} unchanged; "
            f"frequency {self.frequency or '-'}"
        )
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class ImportPreview:
    """What importing a file would do, computed without writing anything."""

    filename: str
    rows_read: int
    rows: pd.DataFrame
    columns: dict[str, str]
    frequency: str
    date_min: dt.date
    date_max: dt.date
    stores: list[str]
    categories: list[str]
    products: int
    rows_new: int
    rows_replaced: int
    rows_unchanged: int
    decimal_mark: str = ""  # in English; ``decimal`` says the same for a reader in any language
    coverage: Coverage | None = None
    decimal: DecimalMark | None = None


@dataclass
class _Item:
    """One file (or frame) of a batch on its way into the database."""

    filename: str
    sha256: str | None = None
    stored_path: str | None = None
    table: SalesTable | None = None
    error: SalesFileError | None = None
    same_as: Upload | None = None
    earlier: int | None = None
    frequency: str | None = None
    limits: SalesLimits | None = None


def _match_earlier_import(conn: Connection, item: _Item, *, shortcut: bool) -> None:
    """Link ``item`` to the latest import of the same content (same sha256), if any.

    ``item.same_as`` is set (the file can be skipped unread) only with ``shortcut`` and when the
    database still holds every row of that content: the sales rows owned by imports of it (same
    keys and values) must cover all of its keys. Otherwise ``item.earlier`` names that import, and
    the file is read and compared again, so importing it restores values later files replaced.
    """
    stmt = (
        select(Upload)
        .where(Upload.sha256 == item.sha256, Upload.status.in_(("imported", "unchanged")))
        .order_by(Upload.id.desc())
        .limit(1)
    )
    row = conn.execute(stmt).first()
    if row is None:
        return
    prev = Upload(**row._mapping)
    if shortcut:
        same = select(Upload.id).where(Upload.sha256 == item.sha256, Upload.status == "imported")
        owned = conn.scalar(select(func.count()).select_from(Sale).where(Sale.upload_id.in_(same)))
        if owned == prev.rows_new + prev.rows_replaced + prev.rows_unchanged:
            item.same_as = prev
            return
    item.earlier = prev.id


def _load_item(
    path: Path,
    upload_dir: str | Path | None,
    max_bytes: int | None,
    engine: Engine,
    *,
    shortcut: bool,
    limits: SalesLimits | None = None,
) -> _Item:
    """Check, keep and read one file; with ``shortcut``, a file whose rows are all stored is not read."""
    item = _Item(filename=path.name, limits=limits)
    try:
        check_file(path, item.filename, max_bytes)
        item.sha256 = sha256_file(path)
        if upload_dir is not None:
            item.stored_path = str(keep_raw_file(path, item.sha256, upload_dir))
        with engine.connect() as conn:
            _match_earlier_import(conn, item, shortcut=shortcut)
        if item.same_as is None:
            item.table = read_sales_table(
                path, display_name=item.filename, max_bytes=max_bytes, limits=limits
            )
    except SalesFileError as err:
        item.error = err
    return item


def _stored_categories(conn: Connection) -> dict[str, str]:
    return dict(conn.execute(select(Product.product, Product.category)).all())


def _check_against_database(
    conn: Connection, items: list[_Item], stored_freq: str | None
) -> tuple[str | None, list[SalesFileError]]:
    """Frequency and product-category checks of every file against the stored data and the files
    before it in the batch; a conflict with an earlier file names that file (and its row)."""
    catalogue = _stored_categories(conn)
    added: dict[str, tuple[str, int | None]] = {}  # product -> (file, row) that put it in `catalogue`
    freq, freq_from = stored_freq, None
    errors: list[SalesFileError] = []
    for item in items:
        if item.table is None:
            continue
        table = item.table
        out = ProblemCollector(item.filename)
        try:
            item.frequency = resolve_frequency(table.frame["date"], freq, source=freq_from)
        except FrequencyError as exc:
            out.add(exc.message, column=table.columns.get("date"))
        pairs = table.frame.drop_duplicates("product")[["product", "category"]]
        pairs = pairs.assign(stored=pairs["product"].map(catalogue))
        clashes = pairs[pairs["stored"].notna() & pairs["stored"].ne(pairs["category"])]
        for product, category, old in clashes.itertuples(index=False):
            names = {"product": repr(product), "category": repr(category), "old": repr(old)}
            if product in added:
                source, row = added[product]
                why = message(_CLASH_IN_BATCH, source=source, row=str(row), **names)
            else:
                why = message(_CLASH_STORED, **names)
            out.add(why, row=table.product_rows.get(product), column=table.columns.get("category"))
        if out.total:
            errors.append(SalesFileError(out.problems, total=out.total))
            continue
        if freq is None:
            freq_from = item.filename
        freq = item.frequency
        new = pairs[pairs["stored"].isna()]["product"]
        added.update((p, (item.filename, table.product_rows.get(p))) for p in new)
        catalogue.update(zip(pairs["product"], pairs["category"], strict=True))
    return freq, errors


_CLASH_IN_BATCH = N_(
    "product %(product)s is in category %(category)s here but in category %(old)s in %(source)s "
    "(row %(row)s), earlier in this batch; a product belongs to one category"
)
_CLASH_STORED = N_(
    "product %(product)s is in category %(category)s here but already stored under category %(old)s; "
    "a product belongs to one category"
)


def _staged_frame(item: _Item) -> pd.DataFrame:
    """The rows of a checked file as they will be stored: dates at their period start, summed per key.

    Summing days into a week or month is another aggregation step: its totals are checked again.
    """
    assert item.table is not None and item.frequency is not None
    frame = item.table.frame.copy()
    frame["date"] = normalise_dates(frame["date"], item.frequency)
    if item.frequency != "D" and frame.duplicated(["date", "store", "product"]).any():
        frame = aggregate(frame)
        out = ProblemCollector(item.filename)
        check_totals(frame, out, item.limits or SalesLimits(), columns=item.table.columns)
        out.raise_if_any()
    return frame


def _write_frequency(conn: Connection, freq: str) -> None:
    table = Setting.__table__
    exists = conn.execute(select(table.c.key).where(table.c.key == "frequency")).first()
    if exists:
        conn.execute(
            table.update().where(table.c.key == "frequency").values(value=freq, updated_at=utc_now())
        )
    else:
        conn.execute(insert(table).values(key="frequency", value=freq, updated_at=utc_now()))


def _upload_row(item: _Item, uploaded_by: str, **values: object) -> dict:
    return {
        "filename": item.filename[:255],
        "sha256": item.sha256 or "",
        "stored_path": item.stored_path,
        "uploaded_by": uploaded_by,
        "uploaded_at": utc_now(),
        "keeps_replaced": True,
        **values,
    }


def _insert_upload(conn: Connection, row: dict) -> int:
    return int(conn.execute(insert(Upload.__table__).values(**row)).inserted_primary_key[0])


def _import_one(
    conn: Connection, item: _Item, uploaded_by: str, progress: Progress | None, key: DeferredKey
) -> ImportResult:
    if item.same_as is not None:
        prev = item.same_as
        keys = prev.rows_new + prev.rows_replaced + prev.rows_unchanged
        counts = {"rows_read": prev.rows_read, "rows_unchanged": keys, "frequency": prev.frequency}
        note = message(N_("identical to upload #%(id)s; nothing to do"), id=str(prev.id))
        span = {"date_min": prev.date_min, "date_max": prev.date_max}
        uid = _insert_upload(
            conn, _upload_row(item, uploaded_by, status="unchanged", error=None, **counts, **span)
        )
        return ImportResult(
            item.filename, "unchanged", **counts, **span, sha256=item.sha256, stored_path=item.stored_path,
            upload_id=uid, note=str(note), note_message=note,
        )  # fmt: skip
    assert item.table is not None and item.frequency is not None
    frame = _staged_frame(item)
    first_load = direct_load_supported(conn) and sales_empty(conn)
    if first_load:  # every row is new: nothing to stage and compare (see load_into_empty_sales)
        counts = KeyCounts(new=len(frame), replaced=0, unchanged=0)
    else:
        key.restore(conn)
        fill_staging(
            conn, frame, progress=progress, label=message(N_("staging %(file)s"), file=item.filename)
        )
        if progress:
            comparing = message(N_("comparing %(file)s with stored sales"), file=item.filename)
            progress(len(frame), len(frame), comparing)
        counts = count_keys(conn)
    status = "imported" if counts.new or counts.replaced else "unchanged"
    dmin, dmax = frame["date"].min().date(), frame["date"].max().date()
    row = _upload_row(
        item, uploaded_by, status=status, rows_read=item.table.rows_read, rows_new=counts.new,
        rows_replaced=counts.replaced, rows_unchanged=counts.unchanged, frequency=item.frequency,
        date_min=dmin, date_max=dmax, error=None,
    )  # fmt: skip
    uid = _insert_upload(conn, row)
    note = _note(item, status, counts.replaced)
    if status == "imported":
        rows = counts.new + counts.replaced
        writing = message(N_("writing %(rows)s rows of %(file)s"), rows=rows, file=item.filename)
        if progress:
            progress(0 if first_load else len(frame), len(frame), writing)
        if first_load:
            load_into_empty_sales(conn, frame, uid, progress=progress, label=writing)
        else:
            if counts.replaced:
                keep_replaced(conn, uid)
            upsert_sales(conn, uid)
            upsert_catalogue(conn)
    return ImportResult(
        item.filename, status, item.table.rows_read, counts.new, counts.replaced, counts.unchanged,
        item.frequency, dmin, dmax, item.sha256, item.stored_path, uid, str(note or ""), note,
    )  # fmt: skip


def _note(item: _Item, status: str, replaced: int) -> Message | None:
    if status != "imported":
        return message(N_("every row already stored with the same values"))
    if item.earlier is not None and replaced:
        return message(
            N_(
                "same content as upload #%(id)s; %(count)s of its rows, replaced by later uploads since, "
                "now hold this file's values again"
            ),
            id=str(item.earlier),
            count=replaced,
        )
    return None


def _record_rejections(engine: Engine, items: list[_Item], uploaded_by: str) -> None:
    bad = ", ".join(i.filename for i in items if i.error is not None)
    with engine.begin() as conn:
        for item in items:
            why = item.error or message(
                N_("not imported: %(files)s was rejected and a batch is all-or-nothing"), files=bad
            )
            row = _upload_row(
                item, uploaded_by, status="rejected", error=str(why), error_texts=rejection_texts(why)
            )
            _insert_upload(conn, row)


def _record_failure(engine: Engine, items: list[_Item], uploaded_by: str, exc: Exception) -> None:
    """Record every file of a batch that failed for a reason other than its content (disk, database)."""
    for item in items:
        why = message(N_("import failed: %(error)s"), error=str(exc))
        item.error = SalesFileError([Problem(item.filename, None, None, str(why), why)])
    with contextlib.suppress(Exception):  # the database may be what failed; the cause is re-raised
        _record_rejections(engine, items, uploaded_by)


def _run_batch(
    engine: Engine, items: list[_Item], uploaded_by: str, progress: Progress | None
) -> list[ImportResult]:
    """Check and write a batch in one transaction; record and raise rejections."""
    if any(i.error for i in items):
        _record_rejections(engine, items, uploaded_by)
        raise merge_errors(i.error for i in items if i.error)
    try:
        results: list[ImportResult] = []
        with engine.begin() as conn:
            lock_sales(conn)
            freq, errors = _check_against_database(conn, items, dataset_frequency(conn))
            if errors:
                raise merge_errors(errors)
            with bulk_session(conn), indexes_built_after_load(conn) as key:
                create_staging(conn)
                for n, item in enumerate(items, start=1):
                    if progress:
                        progress(n - 1, len(items), message(N_("importing %(file)s"), file=item.filename))
                    results.append(_import_one(conn, item, uploaded_by, progress, key))
                drop_staging(conn)
            if freq is not None:
                _write_frequency(conn, freq)
    except SalesFileError as err:
        by_file = {p.file for p in err.problems}
        for item in items:
            if item.filename in by_file:
                item.error = SalesFileError([p for p in err.problems if p.file == item.filename])
        _record_rejections(engine, items, uploaded_by)
        raise
    except Exception as exc:
        _record_failure(engine, items, uploaded_by, exc)
        raise
    if progress:
        progress(len(items), len(items), message(N_("import finished")))
    return results


def import_sales_files(
    engine: Engine,
    paths: Iterable[str | Path],
    *,
    uploaded_by: str,
    upload_dir: str | Path,
    max_bytes: int | None = None,
    progress: Progress | None = None,
    limits: SalesLimits | None = None,
) -> list[ImportResult]:
    """Import sales files all-or-nothing; return one result per file or raise ``SalesFileError``.

    ``limits`` (dates, values, rows, XLSX expansion; default ``SalesLimits()``) are the preview's.

    Later rows replace the same (date, store, product) keys; a file whose rows are all already stored
    is recorded as ``unchanged`` (without reading it again when it is identical, by sha256, to an
    import whose rows are all still stored; see ``_match_earlier_import``).
    ``progress(step, total, label)`` is called as the work advances.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("no files to import")
    items: list[_Item] = []
    try:
        for n, path in enumerate(paths):
            if progress:
                progress(n, len(paths), message(N_("reading %(file)s"), file=path.name))
            # Skipping an already-stored file is safe only before the batch's first write: an earlier
            # file of the batch may replace its rows, and then this (later) file must win again.
            shortcut = all(i.same_as is not None for i in items)
            items.append(_load_item(path, upload_dir, max_bytes, engine, shortcut=shortcut, limits=limits))
    except Exception as exc:  # e.g. the upload folder cannot be written: still leave a record per file
        items += [_Item(filename=p.name) for p in paths[len(items) :]]
        _record_failure(engine, items, uploaded_by, exc)
        raise
    return _run_batch(engine, items, uploaded_by, progress)


def import_sales_frame(
    engine: Engine,
    frame: pd.DataFrame,
    *,
    filename: str,
    uploaded_by: str,
    upload_dir: str | Path | None = None,
    progress: Progress | None = None,
    limits: SalesLimits | None = None,
) -> ImportResult:
    """Import an already-canonical frame (``date, store, category, product, revenue[, units]``).

    Validated like a file (with ``limits``); with ``upload_dir`` a CSV copy is kept like an uploaded file.
    """
    item = _Item(filename=filename, sha256=frame_sha256(frame), limits=limits)
    try:
        item.table = table_from_frame(frame, filename=filename, limits=limits)
        if upload_dir is not None:
            item.stored_path = str(keep_raw_frame(frame, item.sha256, upload_dir))
        with engine.connect() as conn:
            _match_earlier_import(conn, item, shortcut=True)
    except SalesFileError as err:
        item.error = err
    return _run_batch(engine, [item], uploaded_by, progress)[0]


def preview_sales_files(
    engine: Engine,
    paths: Iterable[str | Path],
    *,
    max_bytes: int | None = None,
    head: int = 20,
    progress: Progress | None = None,
    limits: SalesLimits | None = None,
) -> list[ImportPreview]:
    """What importing these files together, in this order, would do; nothing is written.

    Checked as the import checks them: every file is read first, then each is compared with the
    stored data plus the files before it (categories, frequency, and new / replaced / unchanged
    keys, so a key of an earlier file counts as stored). Raises ``SalesFileError`` exactly as
    importing the batch would.
    """
    items: list[_Item] = []
    for path in map(Path, paths):
        item = _Item(filename=path.name, limits=limits)
        try:
            item.table = read_sales_table(path, max_bytes=max_bytes, limits=limits)
        except SalesFileError as err:
            item.error = err
        items.append(item)
    if not items:
        raise ValueError("no files to preview")
    if any(i.error for i in items):
        raise merge_errors(i.error for i in items if i.error)
    previews: list[ImportPreview] = []
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            _, errors = _check_against_database(conn, items, dataset_frequency(conn))
            if errors:
                raise merge_errors(errors)
            create_staging(conn)
            create_overlay(conn)
            state = _catalogue_state(conn)
            for item in items:
                frame = _staged_frame(item)
                fill_staging(conn, frame, progress=progress, label=f"comparing {item.filename}")
                counts = count_keys(conn, overlay=True)
                coverage = file_coverage(frame, state, new_series=count_new_series(conn, overlay=True))
                stage_into_overlay(conn)
                state.add(frame)
                previews.append(_preview(item, frame, counts, head, coverage))
        finally:
            trans.rollback()
            drop_staging(conn)  # SQLite keeps temporary tables created outside the transaction
            drop_overlay(conn)
    return previews


def _catalogue_state(conn: Connection) -> CatalogueState:
    """Each stored store's last reported date and the stored products, before a previewed batch."""
    return CatalogueState(
        last_dates={r.store: r.last_date for r in store_reporting(conn)},
        products=set(_stored_categories(conn)),
    )


def _preview(
    item: _Item, frame: pd.DataFrame, counts: KeyCounts, head: int, coverage: Coverage
) -> ImportPreview:
    table = item.table
    assert table is not None and item.frequency is not None
    return ImportPreview(
        filename=table.filename, rows_read=table.rows_read, rows=frame.head(head).reset_index(drop=True),
        columns=table.columns, frequency=item.frequency, date_min=frame["date"].min().date(),
        date_max=frame["date"].max().date(), stores=sorted(frame["store"].unique().tolist()),
        categories=sorted(frame["category"].unique().tolist()), products=int(frame["product"].nunique()),
        rows_new=counts.new, rows_replaced=counts.replaced, rows_unchanged=counts.unchanged,
        decimal_mark=str(table.decimal_mark), coverage=coverage, decimal=table.decimal_mark,
    )  # fmt: skip


def preview_sales_file(
    engine: Engine,
    path: str | Path,
    *,
    max_bytes: int | None = None,
    head: int = 20,
    progress: Progress | None = None,
    limits: SalesLimits | None = None,
) -> ImportPreview:
    """Preview one file (see ``preview_sales_files``)."""
    return preview_sales_files(
        engine, [path], max_bytes=max_bytes, head=head, progress=progress, limits=limits
    )[0]
