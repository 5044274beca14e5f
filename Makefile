# advocacy: `make` builds every document; `make test` runs the tests.
# Both set up everything first: system packages, a virtual environment in
# .venv, and the project with pinned dependencies.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ADVOCACY := $(BIN)/advocacy
PREVIEW_DPI ?= 80

.DEFAULT_GOAL := build
.PHONY: help setup build html docx check list serve test lint previews bench release clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

setup: $(STAMP) ## install system packages, .venv and the project

$(STAMP): pyproject.toml constraints.txt tools/system-deps.sh
	@PYTHON=$(PYTHON) tools/system-deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

build: $(STAMP) ## build every document as HTML and PDF, and build/index.html
	$(ADVOCACY) build

html: $(STAMP) ## build the HTML only (fast)
	$(ADVOCACY) build --html-only

docx: $(STAMP) ## build every document as HTML, PDF and Word (build/ID.docx)
	$(ADVOCACY) build --docx

check: $(STAMP) ## validate the content; build nothing
	$(ADVOCACY) check

list: $(STAMP) ## list the documents and the records they draw on
	$(ADVOCACY) list

serve: $(STAMP) ## build, serve build/ on http://127.0.0.1:8000 and rebuild on every save
	$(ADVOCACY) serve

test: $(STAMP) ## run the tests (installs strace and Chromium for them first)
	@PYTHON=$(PYTHON) tools/system-deps.sh test
	$(BIN)/python -m pytest

lint: $(STAMP) ## check the code style with ruff
	$(BIN)/ruff check advocacy tests
	$(BIN)/ruff format --check advocacy tests

previews: build ## render every PDF page to PNG in build/previews; cover and an inside page to docs/previews
	@rm -rf build/previews docs/previews && mkdir -p build/previews docs/previews
	@for pdf in build/*.pdf; do \
	  name=$$(basename $$pdf .pdf); \
	  pages=$$(pdfinfo $$pdf | awk '/^Pages:/ {print $$2}'); \
	  inside=$$(( pages >= 6 ? 4 : 2 )); \
	  pdftoppm -r $(PREVIEW_DPI) -png $$pdf build/previews/$$name; \
	  pdftoppm -r 50 -png -f 1 -l 1 -singlefile $$pdf docs/previews/$$name-cover; \
	  pdftoppm -r 50 -png -f $$inside -l $$inside -singlefile $$pdf docs/previews/$$name-inside; \
	  echo "previews of $$pdf: $$pages pages in build/previews/, cover and page $$inside in docs/previews/"; \
	done

bench: $(STAMP) ## the edit loop's ratios and the build's stages, measured side by side
	$(BIN)/python bench/edit_loop.py
	$(BIN)/python bench/run.py

release: $(STAMP) ## release a document from a clean commit: make release DOC=policy-brief (dist/)
	@test -n "$(DOC)" || { echo "make release DOC=ID: name the document to release"; exit 2; }
	$(ADVOCACY) release $(DOC)

clean: ## remove build/ (keeps .venv)
	rm -rf build
