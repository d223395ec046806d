from tests.factories import UnitFactory


def test_listing_page_shows_units_and_minimum_income(client):
    unit = UnitFactory()
    response = client.get(f"/listings/{unit.listing.id}")
    assert response.status_code == 200
    assert "$5,255" in response.text  # 2.5 x $2,102
