"""The cells of an application's row, from its answers (pure)."""

from __future__ import annotations

from housing.exports.rows import ApplicationRow, application_columns, application_values


def test_a_veteran_list_has_a_column_saying_whether_each_claim_is_made_as_a_veteran():
    columns = application_columns(["V-COP", "COP", "LW"], include_demographics=False)
    assert columns[-3:] == ["preference:V-COP", "preference:COP", "preference:LW"]
    assert "veteran" not in columns  # no household-wide answer any more

    def cells(claims: dict[str, object]) -> list[object]:
        row = ApplicationRow(
            "A1", None, "submitted", "online", "en", None, None, 1, None, {"preferences": claims}
        )
        return application_values(columns)(row)[-3:]

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
