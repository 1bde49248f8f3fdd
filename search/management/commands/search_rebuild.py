"""manage.py search_rebuild: rebuild the search index with a progress bar."""

from django.core.management.base import BaseCommand

from search.services import DEFAULT_CHUNK_SIZE, index_rebuild

BAR_WIDTH = 30


def progress_bar(done, total, label):
    """A one-line bar such as ``[#########.....]  60% 120/200 cms_pages.ProjectPage``."""
    share = done / total if total else 1.0
    filled = int(share * BAR_WIDTH)
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%} {done}/{total} {label}"


class Command(BaseCommand):
    """Rebuilds the search index from every indexed page and object, showing progress."""

    help = "Rebuild the search index (Chinese analysis) with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument("--backend", default="default", help="backend name in WAGTAILSEARCH_BACKENDS")
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)

    def handle(self, *args, backend, chunk_size, verbosity=1, **options):
        if chunk_size < 1:
            self.stderr.write("--chunk-size must be at least 1.")
            return
        interactive = self.stdout.isatty()
        done = total = 0
        for done, total, label in index_rebuild(backend_name=backend, chunk_size=chunk_size):
            if verbosity < 1:
                continue
            line = progress_bar(done, total, label)
            # Redraw in place on a terminal; one line per step in logs.
            self.stdout.write(f"\r{line}" if interactive else line, ending="" if interactive else "\n")
        if verbosity >= 1:
            self.stdout.write(("\n" if interactive else "") + self.style.SUCCESS(f"已索引 {done} 个对象。"))
