"""Pages of the API's lists: `page_size` honoured up to MAX_PAGE_SIZE."""

from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 100


class PageSizePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
