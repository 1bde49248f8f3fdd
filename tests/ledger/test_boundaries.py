"""The ledger's dependency rule, checked: sources are a closed enum, and projects come from a setting."""

import io
import tokenize
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import override_settings

from ledger import selectors
from ledger.models import EntryKind, EntrySource, LedgerEntry
from ledger.projects import category_lookup, category_path
from ledger.services import entry_record

LEDGER_DIR = Path(__file__).resolve().parents[2] / "ledger"


def test_an_unknown_source_is_refused_and_nothing_is_recorded(db):
    with pytest.raises(ValidationError) as caught:
        entry_record(kind=EntryKind.DONATION, amount=Decimal("5.00"), occurred_on=date(2021, 1, 1), memo="x",
                     source="alipay", source_ref="A1")
    assert "未知的来源 'alipay'" in caught.value.message_dict["source"][0]
    assert LedgerEntry.objects.count() == 0


def test_the_migration_knows_every_source():
    from importlib import import_module

    migration = import_module("ledger.migrations.0012_entry_source_choices")
    assert migration.SOURCES == EntrySource.values


def test_category_paths_come_from_the_configured_project_model():
    assert category_path("name") == "project__projectpage__category__name"
    model, name_field, slug_field = category_lookup()
    assert (model._meta.label, name_field, slug_field) == ("cms_pages.Category", "name", "slug")


@pytest.mark.django_db
def test_another_project_model_changes_what_the_ledger_accepts_and_groups(post, make_project):
    project = make_project("老人项目", category=("关爱老人", "elderly"))
    post(EntryKind.GRANT_APPROVAL, "80.00", project_id=project.id)
    with override_settings(LEDGER_PROJECT_MODEL="cms_pages.StandardPage"):
        # A StandardPage declares no category paths: a project's money is uncategorised.
        assert [row["category"] for row in selectors.flow_by_category()] == [selectors.UNCATEGORISED]
        assert selectors.computed_figures(year=2021, keys=["invested-elderly"]) == {}
        with pytest.raises(ValidationError, match="不是项目页面"):
            post(EntryKind.GRANT_APPROVAL, "10.00", project_id=project.id)
    assert [row["category"] for row in selectors.flow_by_category()] == ["关爱老人"]


@pytest.mark.parametrize("value", ["", "ProjectPage", "cms_pages.NoSuchPage"])
def test_a_bad_project_model_setting_names_the_setting(value):
    with override_settings(LEDGER_PROJECT_MODEL=value), pytest.raises(ImproperlyConfigured, match="LEDGER_PROJECT_MODEL"):
        category_path("name")


def _string_tokens(path):
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING:
            yield token.string


def test_no_code_in_the_ledger_names_the_content_app():
    """Only comments may mention it; a string would be a hidden dependency import-linter cannot see.

    Docstrings count as strings too, so they speak of "the content app" instead.
    """
    offenders = [
        f"{path.relative_to(LEDGER_DIR)}: {text[:60]}"
        for path in LEDGER_DIR.rglob("*.py") for text in _string_tokens(path) if "cms_pages" in text
    ]
    offenders += [
        str(path.relative_to(LEDGER_DIR)) for path in LEDGER_DIR.rglob("*.html")
        if "cms_pages" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
