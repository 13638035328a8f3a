"""Pages of the API's lists: `page_size` honoured up to MAX_PAGE_SIZE."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 100


class PageSizePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        """The asked page size; one that is not a whole number from 1 up is a 400, not
        silently the default (larger than MAX_PAGE_SIZE: MAX_PAGE_SIZE)."""
        asked = request.query_params.get(self.page_size_query_param)
        if asked is None:
            return self.page_size
        if not (asked.isascii() and asked.isdigit() and len(asked) <= 9 and int(asked) > 0):
            raise ValidationError(
                {self.page_size_query_param: ["page_size is a whole number from 1 up."]}
            )
        return min(int(asked), self.max_page_size)
