# One-line recipes; the logic lives in `cargo xtask` and the crates.
# `just` lists them.

default:
    @just --list

# Run the server on the embedded SQLite default (migrated and seeded on start).
run:
    cargo run -p cmmc-api --bin cmmc-api

# Run every test (set TEST_DATABASE_URL=postgres://... to include PostgreSQL).
test:
    cargo test --workspace

# Run every test on SQLite and on the local PostgreSQL.
test-all:
    TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo test --workspace

# What CI runs.
ci:
    bash .ci/run

fmt:
    cargo fmt --all

lint:
    cargo clippy --workspace --all-targets -- -D warnings

migrate *ARGS:
    cargo xtask migrate {{ARGS}}

seed:
    cargo xtask seed

bench:
    cargo xtask bench

# Refresh the README's screenshots (docs/images) from the browser test (needs CMMC_TEST_PYTHON with Playwright, and chromium).
screenshots:
    rm -rf target/screenshots
    CMMC_SCREENSHOT_DIR="$PWD/target/screenshots" cargo test -p cmmc-tests --test api browser::
    cp target/screenshots/dashboard.png target/screenshots/practice.png docs/images/
