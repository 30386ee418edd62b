"""The sales import's rejections in the reader's language: the same bad file gives the English sentences
(logs, the stored upload record, the audit trail) and Portuguese ones for pt_BR readers, naming row,
column and value, with pt_BR number and date formats (CLI: TRENDSALES_LANGUAGE; Admin › Data: the
request's language)."""

from __future__ import annotations

import base64
import datetime as dt
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select, update

from callbacks.admin.staging import UploadError, decode_upload
from callbacks.admin.uploads import history_rows, stage_and_preview
from data.ingest import check_file, read_sales_table
from data.limits import SalesLimits
from data.schema import AuditEvent, Upload
from data.validation import SalesFileError
from data.xlsx import check_archive
from services.imports import import_sales, preview_import, upload_history
from tests.support.apps import make_test_app

HEADER = "date,store,category,product,revenue,units"
# Row 3: revenue not a number; row 4: store missing; row 5: revenue above the maximum (1,500,000);
# row 6: a date far outside the window; row 7: negative revenue.
BAD = (
    f"{HEADER}\n2025-01-06,S1,C1,P1,10,1\n2025-01-07,S1,C1,P1,abc,1\n2025-01-08,,C1,P1,4,1\n"
    "2025-01-09,S1,C1,P1,2500000.5,1\n0001-01-01,S1,C1,P1,3,1\n2025-01-10,S1,C1,P1,-7.25,1\n"
)
LIMITS = SalesLimits(max_value=1_500_000, today=dt.date(2026, 6, 15))

PT_LINES = [
    "bad.csv, linha 3, coluna 'revenue': não é um número: 'abc'",
    "bad.csv, linha 4, coluna 'store': loja ausente",
    "bad.csv, linha 5, coluna 'revenue': o faturamento 2500000.5 está acima do máximo de 1.500.000 por linha "
    "(ajuste TRENDSALES_MAX_SALES_VALUE)",
    "bad.csv, linha 7, coluna 'revenue': faturamento negativo (-7.25); deve ser 0 ou mais",
]


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _rejection(path: Path, limits: SalesLimits = LIMITS) -> SalesFileError:
    with pytest.raises(SalesFileError) as info:
        read_sales_table(path, limits=limits)
    return info.value


def test_a_bad_file_reads_in_english_and_in_portuguese(tmp_path):
    err = _rejection(_write(tmp_path, "bad.csv", BAD))
    english = str(err).splitlines()
    assert english[0] == "Sales file rejected (5 problems); nothing was imported."
    assert "  - bad.csv, row 3, column 'revenue': not a number: 'abc'" in english
    assert (
        "  - bad.csv, row 5, column 'revenue': revenue 2500000.5 is above the maximum of 1,500,000 per row "
        "(setting TRENDSALES_MAX_SALES_VALUE)" in english
    )
    portuguese = err.text("pt_BR").splitlines()
    assert portuguese[0] == "Arquivo de vendas recusado (5 problemas); nada foi importado."
    assert [line.removeprefix("  - ") for line in portuguese[1:]] == [
        *PT_LINES[:3],
        "bad.csv, linha 6, coluna 'date': a data 0001-01-01 está fora do intervalo permitido de 01/01/1901 a "
        "16/06/2026 (ajustes TRENDSALES_MIN_SALES_DATE, TRENDSALES_MAX_FUTURE_DAYS)",
        PT_LINES[3],
    ]
    # the Reason column of the preview: the reason alone
    assert err.problems[1].reason_text("pt_BR") == "loja ausente"
    assert err.problems[1].reason == "missing store"  # English kept for the stored record


def test_limits_sizes_and_separators_use_the_readers_number_format(tmp_path):
    rows = f"{HEADER}\n" + "2025-01-06,S1,C1,P1,1,1\n" * 1200
    err = _rejection(_write(tmp_path, "big.csv", rows), SalesLimits(max_rows=1000))
    assert err.problems[0].text("pt_BR") == (
        "big.csv: 1.200 linhas de dados, acima do limite de 1.000 (ajuste TRENDSALES_MAX_ROWS_PER_FILE); "
        "divida o arquivo"
    )
    assert err.problems[0].text("en").startswith("big.csv: 1,200 data rows, over the limit of 1,000 ")
    path = _write(tmp_path, "size.csv", "x" * 3000)
    with pytest.raises(SalesFileError) as info:
        check_file(path, "size.csv", 2048)
    assert info.value.problems[0].reason_text("pt_BR") == (
        "o arquivo tem 3.000 bytes, acima do limite de envio de 2.048 bytes"
    )
    mixed = _write(tmp_path, "mixed.csv", f"{HEADER}\n2025-01-06;S1;C1;P1;1;1\n2025-01-07;S1;C1;P1;1;1\n")
    err = _rejection(mixed)
    assert err.problems[0].text("pt_BR") == (
        "mixed.csv, linha 2: as linhas 2–3 usam ';' como separador, mas o cabeçalho usa ','; "
        "use um só separador no arquivo inteiro"
    )


def test_an_xlsx_bomb_and_a_decimal_conflict_in_portuguese(tmp_path):
    content = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(content, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (3 * 1024 * 1024 + 512 * 1024))
    with pytest.raises(SalesFileError) as info:
        check_archive(content.read_bytes(), "bomb.xlsx", SalesLimits(max_xlsx_bytes=2 * 1024 * 1024))
    assert info.value.problems[0].reason_text("pt_BR") == (
        "a pasta de trabalho se expande para 3,5 MB ao ser descompactada (parte 'xl/worksheets/sheet1.xml': "
        "3,5 MB), acima do limite de 2,0 MB (ajuste TRENDSALES_MAX_XLSX_UNCOMPRESSED_MB); divida-a ou "
        "exporte em CSV"
    )
    marks = f'{HEADER}\n2025-01-06,S1,C1,P1,"1,5",1\n2025-01-07,S1,C1,P1,"2,5",1\n2025-01-08,S1,C1,P1,7.5,1\n'
    err = _rejection(_write(tmp_path, "marks.csv", marks))
    assert err.problems[0].text("pt_BR") == (
        "marks.csv, linha 4, coluna 'revenue': '7.5' só é um número com '.' como separador decimal, "
        "mas este arquivo usa ',' (como em '1,5' na linha 2, coluna 'revenue'); use um só separador "
        "decimal no arquivo inteiro"
    )


def test_the_cli_import_speaks_the_configured_language(tmp_path):
    path = _write(tmp_path / "in", "bad.csv", BAD)
    pt = make_test_app(tmp_path / "pt", LANGUAGE="pt_BR", MAX_SALES_VALUE=1_500_000)
    result = pt.server.test_cli_runner().invoke(args=["data", "import", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    for line in PT_LINES:
        assert line in lines
    window = (
        "bad.csv, linha 6, coluna 'date': a data 0001-01-01 está fora do intervalo permitido de 01/01/1901 a "
    )
    assert any(line.startswith(window) for line in lines)
    assert lines[-1] == "Recusado: 5 problema(s); nenhum dado de vendas foi alterado."
    en = make_test_app(tmp_path / "en", LANGUAGE="en", MAX_SALES_VALUE=1_500_000)
    result = en.server.test_cli_runner().invoke(args=["data", "import", str(path)])
    assert result.exit_code == 1
    assert "bad.csv, row 4, column 'store': missing store" in result.output.splitlines()
    # the stored record and the audit trail stay English, whatever the reader's language
    services = pt.server.extensions["trendsales"]
    [record] = upload_history(services)
    assert record.error.startswith("Sales file rejected (5 problems); nothing was imported.")
    assert "bad.csv, row 3, column 'revenue': not a number: 'abc'" in record.error


def test_a_frequency_conflict_reads_in_portuguese_in_the_cli(tmp_path):
    app = make_test_app(tmp_path, LANGUAGE="pt_BR")
    runner = app.server.test_cli_runner()
    months = f"{HEADER}\n2025-01-01,S1,C1,P1,10,1\n2025-02-01,S1,C1,P1,11,1\n2025-03-01,S1,C1,P1,12,1\n"
    assert (
        runner.invoke(args=["data", "import", str(_write(tmp_path / "in", "m.csv", months))]).exit_code == 0
    )
    weeks = f"{HEADER}\n2025-04-07,S1,C1,P1,10,1\n2025-04-14,S1,C1,P1,11,1\n"
    result = runner.invoke(args=["data", "import", str(_write(tmp_path / "in", "w.csv", weeks))])
    assert result.exit_code == 1
    progress, problem = result.output.splitlines()[:2]  # the progress line (stderr), then the problem
    assert progress == "[........................]   0% lendo w.csv"
    assert problem == (
        "w.csv, coluna 'date': as datas do arquivo têm frequência semanal, mas os dados armazenados têm "
        "frequência mensal; todos os dados de vendas devem ter a mesma frequência"
    )
    again = runner.invoke(args=["data", "import", str(tmp_path / "in" / "m.csv")])
    assert again.exit_code == 0
    assert "(idêntico ao envio nº 1; nada a fazer)" in again.output


def test_the_upload_preview_speaks_the_requests_language(tmp_path):
    app = make_test_app(tmp_path, LANGUAGE="pt_BR", MAX_SALES_VALUE=1_500_000)
    services = app.server.extensions["trendsales"]
    path = _write(tmp_path / "in", "bad.csv", BAD)
    outcome = preview_import(services, [path], actor="ana")
    reasons = [p.reason for p in outcome.rejection.problems]
    assert "missing store" in reasons  # the service carries both forms; the edge picks
    with app.server.test_request_context("/admin"):
        panel, token, can_confirm = stage_and_preview(
            services, ["data:text/csv;base64," + _b64(BAD)], ["bad.csv"], actor="ana"
        )
        cells = _texts(panel)
        assert token is None and can_confirm is False
        assert "5 problema(s) em bad.csv; nada foi gravado. Corrija o(s) arquivo(s) e envie de novo." in cells
        assert "loja ausente" in cells and "não é um número: 'abc'" in cells
        assert (
            "o faturamento 2500000.5 está acima do máximo de 1.500.000 por linha (ajuste "
            "TRENDSALES_MAX_SALES_VALUE)" in cells
        )
        with pytest.raises(UploadError) as info:
            decode_upload("data:text/csv;base64," + _b64("x" * 3000), "big.csv", max_bytes=2048)
        assert (
            info.value.text("pt_BR")
            == "big.csv: o arquivo tem 3.000 bytes, acima do limite de envio de 2.048 bytes"
        )
        good = f'{HEADER}\n2025-01-06,S1,C1,P1,"1,5",1\n2025-01-07,S1,C1,P1,2,1\n'
        panel, token, _ = stage_and_preview(
            services, ["data:text/csv;base64," + _b64(good)], ["good.csv"], actor="ana"
        )
        assert "',' (como em '1,5' na linha 2, coluna 'revenue')" in _texts(panel)
    with services.engine.connect() as conn:
        details = conn.scalars(select(AuditEvent.detail).where(AuditEvent.action == "upload_rejected")).all()
    assert details and all(d["problems"] == 5 for d in details)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _texts(component) -> list[str]:
    """Every text child of a Dash component tree, flattened (the strings a reader sees)."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, list | tuple):
            for child in node:
                walk(child)
        elif hasattr(node, "children"):
            walk(node.children)

    walk(component)
    return found


def test_an_events_file_is_refused_in_the_readers_language(tmp_path):
    from callbacks.admin.events import import_upload

    content = "date,name,store\n2026-13-01,Black Friday,\n2026-11-27,,\n2026-11-28,Liquidação,S09\n"
    app = make_test_app(tmp_path, LANGUAGE="pt_BR")
    services = app.server.extensions["trendsales"]
    sales_file = _write(
        tmp_path / "in", "sales.csv", f"{HEADER}\n2025-01-06,S1,C1,P1,1,1\n2025-01-07,S1,C1,P1,2,1\n"
    )
    assert app.server.test_cli_runner().invoke(args=["data", "import", str(sales_file)]).exit_code == 0
    result = app.server.test_cli_runner().invoke(
        args=["events", "import", str(_write(tmp_path / "in", "promos.csv", content))]
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Arquivo de eventos recusado (3 problemas); nada foi importado.",
        "  - promos.csv, linha 2, coluna 'date': '2026-13-01' não é uma data (AAAA-MM-DD ou DD/MM/AAAA)",
        "  - promos.csv, linha 3, coluna 'name': nome do evento vazio",
        "  - promos.csv, linha 4, coluna 'store': loja desconhecida 'S09' (não está nos dados de vendas)",
    ]
    with app.server.test_request_context("/admin"):
        text, imported = import_upload(
            services, "data:text/csv;base64," + _b64(content), "promos.csv", actor="ana"
        )
    assert not imported and text.startswith("Arquivo de eventos recusado (3 problemas)")
    english = make_test_app(tmp_path / "en", LANGUAGE="en")
    with english.server.test_request_context("/admin"):
        text, _ = import_upload(
            english.server.extensions["trendsales"],
            "data:text/csv;base64," + _b64(content),
            "promos.csv",
            actor="a",
        )
    assert "promos.csv, row 3, column 'name': empty event name" in text


def test_the_upload_history_shows_a_rejection_in_the_readers_language(tmp_path):
    """The history's cell and tooltip are the reader's language; the stored record stays English, and
    an upload recorded before translations were stored (no ``error_texts``) still shows its English."""
    app = make_test_app(tmp_path, LANGUAGE="pt_BR", MAX_SALES_VALUE=1_500_000)
    services = app.server.extensions["trendsales"]
    good = _write(tmp_path / "in", "good.csv", f"{HEADER}\n2025-01-06,S1,C1,P1,10,1\n")
    bad = _write(tmp_path / "in", "bad.csv", BAD)
    assert import_sales(services, [good, bad], actor="ana").rejection is not None
    with app.server.test_request_context("/admin"):
        rows = {r["filename"]: r for r in history_rows(upload_history(services))}
    assert rows["bad.csv"]["error"] == f"{PT_LINES[0]} (+4 outros problemas)"
    assert rows["bad.csv"]["error_full"].startswith("Arquivo de vendas recusado (5 problemas)")
    assert rows["good.csv"]["error"] == "não importado: bad.csv foi recusado e um lote é tudo ou nada"
    with services.engine.connect() as conn:
        stored = dict(conn.execute(select(Upload.filename, Upload.error)).all())
    assert stored["bad.csv"].startswith("Sales file rejected (5 problems)")  # the English record
    assert stored["good.csv"].startswith("not imported: bad.csv was rejected")
    with services.engine.begin() as conn:  # as an upload recorded before migration 0013
        conn.execute(update(Upload).where(Upload.filename == "bad.csv").values(error_texts=None))
    with app.server.test_request_context("/admin"):
        older = {r["filename"]: r for r in history_rows(upload_history(services))}["bad.csv"]
    assert older["error"] == "bad.csv, row 3, column 'revenue': not a number: 'abc' (+4 more problems)"
    assert older["error_full"] == stored["bad.csv"]
