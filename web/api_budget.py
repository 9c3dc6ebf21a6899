"""The read API's budget routes (issue 16), on web.api's blueprint: thin adapters over services/."""
