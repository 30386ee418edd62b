"""Undoing an upload in SQL: put back the values it replaced and delete the keys it added.

An import keeps, in ``replaced_sales``, the previous value of every key it changed (with the upload
that wrote it). Undoing upload U therefore restores those rows, then deletes the sales rows U still
owns (the keys it added), and drops catalogue entries left without sales. A later upload that changed
a key U wrote recorded ``previous_upload_id = U``; while that later upload stands, U is refused.
The caller owns the transaction: everything here runs on its connection, all or nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Row, bindparam, delete, exists, func, select, text, update

from data.i18n import N_, translate, translate_plural
from data.schema import Product, ReplacedSale, Sale, Setting, Store, StoreProduct, Upload
from data.staging import lock_sales


@dataclass(frozen=True)
class LaterChange:
    """A later, still standing upload that changed keys the upload to undo wrote."""

    upload_id: int
    filename: str
    keys: int


@dataclass(frozen=True)
class UndoPlan:
    """What undoing an upload does: values put back (``restores``) and added keys deleted."""

    upload_id: int
    filename: str
    restores: int
    deletes: int


class UndoRefused(ValueError):
    """The upload cannot be undone: ``reason`` (an English msgid with ``%(name)s`` placeholders) filled
    from ``values``; ``later`` names the blocking uploads. ``str()`` is the English sentence (audit
    log); ``text(language)`` the same sentence for a reader."""

    def __init__(self, reason: str, *, later: tuple[LaterChange, ...] = (), **values: object) -> None:
        self.reason, self.values, self.later = reason, values, later
        super().__init__(self.text("en"))

    def text(self, language: str) -> str:
        """Why, in ``language`` (the later uploads, if any, listed in it too)."""
        values = dict(self.values)
        if "status" in values:
            values["status"] = translate(language, str(values["status"]))
        if self.later:
            values["named"] = "; ".join(
                translate(
                    language,
                    N_("upload %(id)s (%(file)s) changed %(keys)s of them"),
                    id=c.upload_id,
                    file=c.filename,
                    keys=c.keys,
                )
                for c in self.later
            )
            values["first"] = translate_plural(
                language, "Undo that upload first.", "Undo those uploads first.", len(self.later)
            )
        return translate(language, self.reason, **values)


def _upload(conn: Connection, upload_id: int) -> Row:
    row = conn.execute(select(Upload.__table__).where(Upload.id == upload_id)).first()
    if row is None:
        raise UndoRefused(N_("upload %(id)s does not exist"), id=upload_id)
    return row


def later_changes(conn: Connection, upload_id: int) -> tuple[LaterChange, ...]:
    """Standing uploads that replaced keys ``upload_id`` wrote, newest first, with how many keys."""
    stmt = (
        select(Upload.id, Upload.filename, func.count())
        .select_from(ReplacedSale)
        .join(Upload, Upload.id == ReplacedSale.upload_id)
        .where(ReplacedSale.previous_upload_id == upload_id, Upload.status == "imported")
        .group_by(Upload.id, Upload.filename)
        .order_by(Upload.id.desc())
    )
    return tuple(LaterChange(upload_id=i, filename=f, keys=int(n)) for i, f, n in conn.execute(stmt))


def _blocked(upload: Row, later: tuple[LaterChange, ...]) -> UndoRefused:
    return UndoRefused(
        N_(
            "upload %(id)s (%(file)s) cannot be undone: later uploads changed keys it wrote "
            "(%(named)s). %(first)s"
        ),
        later=later,
        id=upload.id,
        file=upload.filename,
    )


def _owned(upload: Row) -> list:
    """Conditions for the sales rows ``upload`` still owns (its date span lets an index narrow them)."""
    where = [Sale.upload_id == upload.id]
    if upload.date_min is not None and upload.date_max is not None:
        where.append(Sale.date.between(upload.date_min, upload.date_max))
    return where


def plan_undo(conn: Connection, upload_id: int) -> UndoPlan:
    """What undoing ``upload_id`` would do; raises ``UndoRefused`` when it cannot be undone."""
    upload = _upload(conn, upload_id)
    name = {"id": upload.id, "file": upload.filename}
    if upload.status == "undone":
        when = f"{upload.undone_at:%Y-%m-%d %H:%M} UTC" if upload.undone_at else "?"
        raise UndoRefused(
            N_("upload %(id)s (%(file)s) was already undone (%(when)s by %(who)s)"),
            **name,
            when=when,
            who=upload.undone_by or "?",
        )
    if upload.status != "imported":
        raise UndoRefused(
            N_("upload %(id)s (%(file)s) is %(status)s: it wrote no sales, so there is nothing to undo"),
            **name,
            status=upload.status,
        )
    if not upload.keeps_replaced:
        raise UndoRefused(
            N_(
                "upload %(id)s (%(file)s) was imported before replaced values were kept, "
                "so they cannot be put back"
            ),
            **name,
        )
    later = later_changes(conn, upload_id)
    if later:
        raise _blocked(upload, later)
    restores = conn.scalar(
        select(func.count()).select_from(ReplacedSale).where(ReplacedSale.upload_id == upload_id)
    )
    owned = conn.scalar(select(func.count()).select_from(Sale).where(*_owned(upload)))
    return UndoPlan(
        upload_id=upload.id, filename=upload.filename, restores=int(restores), deletes=int(owned - restores)
    )


_RESTORE = text(
    "UPDATE sales SET category = r.category, revenue = r.revenue, units = r.units, "
    "upload_id = r.previous_upload_id FROM replaced_sales r "
    "WHERE r.upload_id = :upload_id AND sales.upload_id = :upload_id "
    "AND sales.store = r.store AND sales.product = r.product AND sales.date = r.date"
)


def undo_upload(conn: Connection, upload_id: int, *, actor: str, now: dt.datetime) -> UndoPlan:
    """Undo ``upload_id`` on ``conn`` (in the caller's transaction); returns what was done.

    Marks the upload ``undone`` first (the transaction's first write, so on SQLite no other writer
    can slip in), checks again for later changes, restores, deletes, and drops stores and products
    left without sales (and the dataset frequency when no sales remain).
    """
    lock_sales(conn)
    plan = plan_undo(conn, upload_id)
    claimed = conn.execute(
        update(Upload)
        .where(Upload.id == upload_id, Upload.status == "imported")
        .values(status="undone", undone_at=now, undone_by=actor)
    )
    if claimed.rowcount != 1:
        raise UndoRefused(
            N_("upload %(id)s (%(file)s) was undone meanwhile"), id=upload_id, file=plan.filename
        )
    upload = _upload(conn, upload_id)
    later = later_changes(conn, upload_id)
    if later:
        raise _blocked(upload, later)
    restored = conn.execute(_RESTORE, {"upload_id": upload_id}).rowcount
    added = conn.execute(select(Sale.store, Sale.product).where(*_owned(upload)).distinct()).all()
    deleted = conn.execute(delete(Sale).where(*_owned(upload))).rowcount
    _drop_unsold({s for s, _ in added}, {p for _, p in added}, conn)
    conn.execute(update(Upload).where(Upload.id == upload_id).values(rows_undone=restored + deleted))
    return UndoPlan(upload_id=upload_id, filename=plan.filename, restores=restored, deletes=deleted)


def _drop_unsold(stores: set[str], products: set[str], conn: Connection) -> None:
    """Remove the given stores, products and their series from the catalogue when no sales row names
    them any more."""
    if stores:
        conn.execute(
            delete(Store).where(
                Store.store.in_(bindparam("names", sorted(stores), expanding=True)),
                ~exists().where(Sale.store == Store.store),
            )
        )
    if products:
        conn.execute(
            delete(Product).where(
                Product.product.in_(bindparam("names", sorted(products), expanding=True)),
                ~exists().where(Sale.product == Product.product),
            )
        )
    if stores:  # the (store, product) series of those stores left without sales
        conn.execute(
            delete(StoreProduct).where(
                StoreProduct.store.in_(bindparam("names", sorted(stores), expanding=True)),
                ~exists().where(Sale.store == StoreProduct.store, Sale.product == StoreProduct.product),
            )
        )
    if conn.scalar(select(Sale.date).limit(1)) is None:
        conn.execute(delete(Setting).where(Setting.key == "frequency"))
