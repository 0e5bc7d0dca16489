"""Scrape runs, the review queue and unmatched names (filled in by the scrapers issue)."""
