from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files. A file the manifest does not know (for instance before the
    first collectstatic) keeps its plain name instead of failing the page."""

    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:  # not collected yet: hashing would need the file in STATIC_ROOT
            return name
