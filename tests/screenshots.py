"""Regenerate the pictures of printed documents in docs/ from the shipped example.

    python -m tests.screenshots

Needs Chromium (or Chrome or Edge) and pdftoppm (poppler-utils); for the Word report also
LibreOffice. Run from the repository root after a change to the print stylesheet or the Word
template, and look at the pictures before committing them.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GOALS = "examples/shanghai-wcd-2024/goals.yaml"
ACTUALS = "examples/shanghai-wcd-2024/actuals.yaml"


def page_pictures(pdf: bytes, pages: dict[int, str], folder: Path) -> None:
    """Pages of a PDF as PNG pictures in docs/, at a resolution a README shows well."""
    source = folder / "document.pdf"
    source.write_bytes(pdf)
    for number, name in pages.items():
        stem = folder / f"page-{number}"
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", str(number),
                        "-l", str(number), str(source), str(stem)], check=True)
        shutil.copyfile(f"{stem}.png", DOCS / name)
        print(f"wrote docs/{name}")


def main() -> None:
    from evaluator.run import evaluate_files, load_rule_set
    from evaluator.printing import print_pdf
    from evaluator.report import build_context, render

    from evaluator.word_report import render_docx

    evaluation = evaluate_files(GOALS, ACTUALS, *load_rule_set())
    context = build_context(evaluation)
    with tempfile.TemporaryDirectory() as folder:
        page_pictures(print_pdf(render(context, "html")),
                      {1: "print-page-1.png", 2: "print-page-2.png"}, Path(folder))
        word = Path(folder) / "report.docx"
        word.write_bytes(render_docx(context))
        subprocess.run(["soffice", "--headless",
                        f"-env:UserInstallation={(Path(folder) / 'lo').as_uri()}",
                        "--convert-to", "pdf", "--outdir", folder, str(word)],
                       check=True, capture_output=True)
        page_pictures((Path(folder) / "report.pdf").read_bytes(),
                      {2: "word-report-page-2.png", 5: "word-report-page-5.png"}, Path(folder))


if __name__ == "__main__":
    main()
