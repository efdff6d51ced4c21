"""The shared ``… import FILE [--dry-run]`` runner, and how a new command group plugs in."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.cli.common import Context, problem_line
from bot.cli.importing import ImportRequest, add_import_command, run_import
from bot.cli.parsing import Commands, Parser
from bot.config import Settings
from bot.domain.tables import Problem
from bot.i18n import N_, Gettext, get_translator


@dataclass
class FakeResult:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeService:
    problems: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    calls: list[ImportRequest] = field(default_factory=list)

    async def apply(self, request: ImportRequest) -> FakeResult:
        self.calls.append(request)
        rows = 0 if self.problems else 3
        return FakeResult(rows=rows, problems=self.problems, headers=self.headers)


def summary(result: FakeResult, _: Gettext) -> str:
    return f"{result.rows} rows"


def parser_with_group(service: FakeService, language: str) -> Parser:
    """A new group registers exactly as ``bot/cli/reports.py`` will."""

    def cmd_import(context: Context, args: argparse.Namespace) -> int:
        return run_import(
            context,
            args.file,
            dry_run=args.dry_run,
            apply=service.apply,
            summary=summary,
            headers=lambda result: result.headers,
        )

    def register(commands: Commands) -> None:
        reports = commands.group("reports", help="reports")
        add_import_command(reports, cmd_import, help="import", description="d", file_help="f")

    parser = Parser(prog="delegate-bot", gettext=get_translator(language))
    register(Commands(parser))
    return parser


def run(service: FakeService, argv: list[str], sqlite_url: str, language: str = "vi") -> int:
    args = parser_with_group(service, language).parse_args(argv)
    _ = get_translator(language)
    context = Context(settings=Settings(DATABASE_URL=sqlite_url), language=language, gettext=_)
    code: int = args.handler(context, args)
    return code


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "reports.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    return path


def test_clean_file_prints_the_summary(
    data_file: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    service = FakeService()
    assert run(service, ["reports", "import", str(data_file)], sqlite_url) == 0
    assert capsys.readouterr().out == "3 rows\n"
    assert service.calls[0].path == data_file
    assert not service.calls[0].dry_run

    assert run(service, ["reports", "import", str(data_file), "--dry-run"], sqlite_url) == 0
    assert capsys.readouterr().out == "Kiểm tra thử (chưa ghi vào dữ liệu): 3 rows\n"
    assert service.calls[1].dry_run


def test_problems_exit_1_with_row_and_column(
    data_file: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    message = N_('"{value}" is not a date: write e.g. 31/12/2026')
    problem = Problem(3, "held", message, {"value": "x"})
    service = FakeService(problems=[problem, Problem(None, None, N_("The file is empty"))])
    assert run(service, ["reports", "import", str(data_file)], sqlite_url) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    first = captured.err.splitlines()[0]
    assert first == "dòng 3, cột «held»: «x» không phải là ngày; ghi dạng 31/12/2026"
    assert captured.err.splitlines()[-1] == "Phát hiện 2 lỗi; chưa ghi dữ liệu nào."

    assert run(service, ["reports", "import", str(data_file)], sqlite_url, "en") == 1
    err = capsys.readouterr().err
    assert 'row 3, column held: "x" is not a date: write e.g. 31/12/2026' in err
    assert "The file is empty\n" in err


def test_problems_name_the_column_as_the_file_did(
    data_file: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    problem = Problem(4, "held", N_("The file is empty"))
    service = FakeService(problems=[problem], headers={"held": "Đã tổ chức"})
    assert run(service, ["reports", "import", str(data_file)], sqlite_url) == 1
    assert "dòng 4, cột «Đã tổ chức»: Tệp" in capsys.readouterr().err


def test_missing_file_is_bad_input(sqlite_url: str, tmp_path: Path) -> None:
    from bot.errors import BadInputError

    service = FakeService()
    with pytest.raises(BadInputError) as caught:
        run(service, ["reports", "import", str(tmp_path / "nowhere.csv")], sqlite_url)
    assert "nowhere.csv" in caught.value.text(get_translator("vi"))
    assert "Không tìm thấy tệp" in caught.value.text(get_translator("vi"))
    assert not service.calls


@pytest.mark.parametrize(
    ("problem", "vietnamese", "english"),
    [
        (Problem(5, "phone", "bad"), "dòng 5, cột «Số ĐT»: bad", "row 5, column Số ĐT: bad"),
        (Problem(5, "code", "bad"), "dòng 5, cột «code»: bad", "row 5, column code: bad"),
        (Problem(5, None, "bad"), "dòng 5: bad", "row 5: bad"),
        (Problem(None, "phone", "bad"), "cột «Số ĐT»: bad", "column Số ĐT: bad"),
        (Problem(None, None, "bad"), "bad", "bad"),
    ],
)
def test_problem_line_names_the_column_as_the_file_did(
    problem: Problem, vietnamese: str, english: str
) -> None:
    headers = {"phone": "Số ĐT"}
    assert problem_line(problem, get_translator("vi"), headers) == vietnamese
    assert problem_line(problem, get_translator("en"), headers) == english
