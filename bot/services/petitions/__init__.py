"""The register of petitions and voters' opinions: the file, the bot's entries, follow-up."""
