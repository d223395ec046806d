"""The cells of an application's row, from its answers (pure)."""

from __future__ import annotations

from housing.exports.rows import ApplicationRow, application_columns, application_values


def test_a_veteran_list_has_a_column_saying_whether_each_claim_is_made_as_a_veteran():
    columns = application_columns(["V-COP", "COP", "LW"], include_demographics=False)
    claims_at = columns.index("preference:V-COP")
    assert columns[claims_at : claims_at + 3] == [
        "preference:V-COP",
        "preference:COP",
        "preference:LW",
    ]
    assert "veteran" not in columns  # no household-wide answer any more

    def cells(claims: dict[str, object], outcome: dict | None = None) -> list[object]:  # type: ignore[type-arg]
        row = ApplicationRow(
            "A1",
            None,
            "submitted",
            "online",
            "en",
            None,
            None,
            1,
            None,
            {"preferences": claims},
            outcome or {},
        )
        return application_values(columns)(row)[claims_at : claims_at + 3]

    assert cells({"COP": {"claimed": True, "veteran": True}, "LW": {"claimed": True}}) == [
        "yes",
        "claimed",
        "claimed",
    ]
    assert cells({"COP": {"claimed": True, "veteran": False}, "LW": {"claimed": False}}) == [
        "no",
        "claimed",
        "declined",
    ]
    assert cells({"COP": {"claimed": False}}) == ["", "declined", ""]

    # Staff's decisions: an invalidated claim never reads "claimed".
    decided = {
        "decision:COP": "invalidated",
        "decision:V-COP": "invalidated",
        "decision:LW": "confirmed",
    }
    assert cells({"COP": {"claimed": True, "veteran": True}, "LW": {"claimed": True}}, decided) == [
        "invalidated",
        "invalidated",
        "confirmed",
    ]


def test_what_came_of_an_application_has_its_own_columns():
    columns = application_columns(["COP"], include_demographics=False)
    outcome = {
        "possible_duplicate": "yes",
        "left_out_as_duplicate": "yes",
        "kept_instead": "B2",
        "left_out_because": "'=same person",
        "master_rank": 7,
        "rank:COP": 2,
        "lease_up_status": "processing",
        "lease_up_status_at": "2026-12-07T10:00:00+00:00",
    }
    row = ApplicationRow("A1", None, "submitted", "online", "en", None, None, 1, None, {}, outcome)
    cells = dict(zip(columns, application_values(columns)(row), strict=True))
    for column, value in outcome.items():
        assert cells[column] == value
