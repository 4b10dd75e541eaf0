"""Readers for structured formats (PDF, Word, web pages), each building text through `layout`."""
