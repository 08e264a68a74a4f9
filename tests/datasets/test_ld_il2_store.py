"""The flagship data in a review store (metareview.datasets.ld_il2_store).

Reference numbers are the primary sources' as written in ld_il2_studies.csv: He 2020 (Ann
Rheum Dis), Table 3, 'Injection site reactions': 9 of 29 patients on IL-2; He 2016 (EULAR
2015 abstract AB0525): 5 of 40. Metafor comparisons of the plan run on this store are in
tests/flagship/test_ld_il2_shipped_plan.py (its ``result`` fixture runs both plans).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from metareview.analysis_store import extracted_frame
from metareview.datasets import DATA_DIR
from metareview.datasets.ld_il2_store import (
    PROJECT,
    STORE_PLAN_FILE,
    build_store,
    store_plan_text,
    write_demo_inputs,
)
from metareview.errors import InputError
from metareview.review.project import ReviewProject


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("ldil2") / "review.db")


def test_shipped_store_plan_is_current() -> None:
    assert (DATA_DIR / STORE_PLAN_FILE).read_text(encoding="utf-8") == store_plan_text()


def test_one_study_per_cohort(store: Path) -> None:
    from sqlalchemy import select

    from metareview.store import models as m

    with ReviewProject.open(store) as project, project.engine.connect() as conn:
        assert project.name == PROJECT == "LD-IL-2"
        labels = conn.scalars(select(m.Study.label).where(
            m.Study.project_id == project.project_id)).all()
    # cohorts of ld_il2_continuous.csv and ld_il2_counts.csv (ld_il2_cohorts.csv), each once
    assert len(labels) == len(set(labels))
    assert {"he2020_sle_rct", "he2016_sle_openlabel", "peking_iim", "shanxi_pmdm"} <= set(labels)


def test_counts_with_provenance(store: Path) -> None:
    f = extracted_frame(str(store), outcome="injection-site reaction")
    assert f["study"].tolist() == ["he2020_sle_rct", "he2016_sle_openlabel"]
    assert f["xi"].tolist() == [9, 5] and f["ni"].tolist() == [29, 40]
    he = f.iloc[0]
    assert he["report"] == "He 2020"
    assert he["source_location"] == "Table 3, row 'Injection site reactions', IL-2 (n=29) column"
    assert he["source_url"].startswith("https://ard.bmj.com/")


def test_overlapping_report_is_a_second_report_of_its_study(store: Path) -> None:
    f = extracted_frame(str(store), outcome=["CDASI (overlapping_included)",
                                             "CDASI (overlapping_included, report 2)"])
    assert f["study"].tolist() == ["peking_iim", "peking_iim"]
    assert sorted(f["report"].str[:11]) == ["Miao 2021", "Yunzhi 2022"]


def test_store_never_overwrites(store: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="already here") as err:
        build_store(store)
    assert err.value.file == str(store)
    other = tmp_path / "review.db"
    ReviewProject.init(other, "My review").close()
    with pytest.raises(InputError, match="not the demo's review store") as err:
        write_demo_inputs(tmp_path)
    assert err.value.file == str(other)
    with ReviewProject.open(other) as project:
        assert project.name == "My review"
