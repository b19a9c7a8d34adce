// docextract-extract --zygote: a long-lived helper for one worker. It applies what can be applied
// once (descriptors, no_new_privs, namespaces with the empty root, Landlock), loads poppler,
// leptonica, zxing and tesseract with its language data once, and then, for each request on
// its stdin socket (src/core/runner_protocol.hpp), forks a child that takes the request's three
// descriptors as stdin/stdout/stderr, applies the document's own limits, a nested Landlock domain
// and seccomp, extracts exactly one document with run_document() and exits. A child is never
// reused; the zygote never reads a document byte. See docs/sandbox.md.
#pragma once

#include "cli.hpp"

namespace docextract::helper {

// Start-up options (the request carries each document's): --lang and --tessdata choose the
// tesseract engine to preload, --max-memory-mb bounds the zygote and its children (a child may
// only lower it), --no-namespaces/--no-landlock/--no-seccomp as for one document. Returns the
// exit status: 0 when the worker closed the socket.
int zygote_main(const Cli &cli);

}  // namespace docextract::helper
