"""Publishing a quarter: the committee report (PDF, Arabic and English), the Excel pack and the
open data package of one edition. An adapter over `services/`, like the pages and the API."""
