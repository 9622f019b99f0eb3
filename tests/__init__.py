"""The test suite mirrors the code: tests/core/ for latent_core, tests/app/ for ui/ and the pages (AppTest), tests/e2e/
for the browser. Every folder is a package, so helpers are imported as `tests.…` and test file names may repeat."""
