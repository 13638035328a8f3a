"""A filter that is not valid: a sentence per problem, naming the filter by its label, and
an empty list (page, CSV and API), never the unfiltered history."""

from django.urls import reverse

BAD = {"predicted_class": "pneumonai", "date_from": "2026-05-02", "date_to": "2026-05-01"}


def test_page_says_each_problem_in_a_sentence_and_lists_nothing(alice_client, alice, make_row):
    make_row(alice, name="kept.png")
    response = alice_client.get(reverse("diagnosis:scan-history"), BAD)

    page = response.content.decode()
    choices = "(pneumonia, normal, not_recognised)"
    assert f"Result: “pneumonai” is not one of the choices {choices}." in page
    assert "The start date is after the end date." in page
    problems = page.split('id="filter-problems"')[1].split("</div>")[0]
    assert "__all__" not in page and "predicted_class" not in problems
    assert "kept.png" not in page


def test_a_malformed_date_is_named_by_its_label(alice_client, alice, make_row):
    make_row(alice, name="kept.png")
    page = alice_client.get(reverse("diagnosis:scan-history"), {"date_to": "yesterday"})

    assert "To: Enter a date as YYYY-MM-DD." in page.content.decode()
    assert "kept.png" not in page.content.decode()


def test_csv_export_with_a_bad_filter_is_empty(alice_client, alice, make_row):
    make_row(alice, name="kept.png")
    response = alice_client.get(reverse("diagnosis:scan-export"), BAD)

    assert "kept.png" not in b"".join(response.streaming_content).decode()


def test_api_answers_400_with_sentences(alice_api):
    response = alice_api.get(reverse("api:scan-list"), BAD)

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "Result: “pneumonai” is not one of the choices" in detail
    assert "The start date is after the end date." in detail
    assert response.json()["predicted_class"] == [
        "Result: “pneumonai” is not one of the choices (pneumonia, normal, not_recognised)."
    ]
