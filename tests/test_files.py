"""Raw files into DuckDB: lines named as a text editor shows them, whatever the file's shape or size."""

from __future__ import annotations

import pytest

from pipelines.errors import InputError
from pipelines.sources import files
from pipelines.sources.extracts import read_extract

HEADER = "annee;code_commune;am_agrees;am_actifs;places_agrees;places_moins_3_ans_actifs;am_actifs_55_ans_et_plus"


def _problem_line(path):
    with pytest.raises(InputError) as caught:
        read_extract(path, "assistants_maternels")
    (problem,) = caught.value.problems
    return problem.line


@pytest.mark.parametrize("chunk", [files.CHUNK, 5])  # 5: every chunk boundary splits lines and CRLF pairs
@pytest.mark.parametrize("body, newline, line", [
    (["2022;71270;1;1;4;3;0", "", "2022;71076;x;1;4;3;0"], "\n", 4),  # a blank line counts as a line
    (["2022;71270;1;1;4;3;0", "2022;71076;x;1;4;3;0"], "\r\n", 3),  # Windows line endings
    (['2022;71270;1;1;4;3;"0"', "2022;71076;x;1;4;3;0"], "\n", 3),  # quotes: the slow path, same answer
], ids=["blank line", "CRLF", "quoted"])
def test_problem_lines_are_the_lines_an_editor_shows(tmp_path, monkeypatch, chunk, body, newline, line):
    monkeypatch.setattr(files, "CHUNK", chunk)
    path = tmp_path / "assistants_maternels.csv"
    path.write_bytes(newline.join([HEADER, *body, ""]).encode())
    assert _problem_line(path) == line


@pytest.mark.parametrize("chunk", [files.CHUNK, 5])
def test_a_quoted_line_break_spans_two_lines(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(files, "CHUNK", chunk)
    path = tmp_path / "equipements.csv"
    path.write_text("id_equipement;type_equipement;code_commune;nom;places;date_ouverture;date_fermeture;gestionnaire\n"
                    'E1;LAEP;71270;"Lieu\nd\'accueil";;2015-01-01;;Caf\n'
                    "E2;LAEP;71270;Autre;;2015-13-01;;Caf\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_extract(path, "equipements")
    assert [p.line for p in caught.value.problems] == [4]


@pytest.mark.parametrize("chunk", [files.CHUNK, 4])
def test_scan_of_a_cut_file_with_crlf_split_across_chunks(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(files, "CHUNK", chunk)
    path = tmp_path / "x.csv"
    path.write_bytes(b"a;b\r\n1;2\r\n3")
    scan = files._scan(path)
    assert (scan.first_line, scan.ends_with_newline, scan.last_content_line, scan.one_line_per_row) == (
        "a;b", False, 3, True)
    path.write_bytes(b"a;b\r\n1;2\r\n\r\n")
    scan = files._scan(path)
    assert (scan.ends_with_newline, scan.last_content_line, scan.one_line_per_row) == (True, 2, True)


def test_windows_1252_is_read_and_utf16_converted(tmp_path):
    path = tmp_path / "assistants_maternels.csv"
    path.write_bytes(("\n".join([HEADER, "2022;71270;1;1;4;3;0", "2022;71076;x;1;4;3;0", ""])).encode("utf-16"))
    assert _problem_line(path) == 3
    assert files._scan(path).label == "UTF-16"
