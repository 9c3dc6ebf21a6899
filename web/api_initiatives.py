"""The read API's initiative and procedures routes (issue 16), on web.api's blueprint: thin
adapters over services/."""
