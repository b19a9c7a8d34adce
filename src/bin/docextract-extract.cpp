// docextract-extract: reads one untrusted document on stdin, writes one JSON object on stdout
// (schema in docs/extract-json.md). It restricts itself before parsing; the server-side runner
// (src/core/runner.hpp) adds the wall-clock timeout and the output cap. With --zygote it instead
// serves many documents, one forked child each (zygote.hpp).
//
// Exit status: 0 success; 2 bad arguments; 3 document or limit failure; 4 CPU time limit;
// 70 internal error. Every failure except a kill by signal comes with {"error": {...}} on stdout.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <unistd.h>

#include "cli.hpp"
#include "document.hpp"
#include "sandbox.hpp"
#include "zygote.hpp"

int main(int argc, char **argv) {
    const auto start = std::chrono::steady_clock::now();
    const pid_t original_parent = getppid();
    docextract::helper::Cli cli;
    std::string usage_error;
    if (!docextract::helper::parse_cli(argc, argv, cli, usage_error)) {
        docextract::helper::early_hardening(cli.limits);
        return docextract::helper::fail("usage", usage_error, 2);
    }
    if (cli.zygote) return docextract::helper::zygote_main(cli);
    if (!docextract::helper::early_hardening(cli.limits))
        return docextract::helper::fail("internal", std::string("cannot apply resource limits: ") + strerror(errno), 70);
    // Before any untrusted byte is read. With a PID namespace this forks: only the confined
    // child returns, the original process ends as it does.
    const docextract::helper::SandboxReport sandbox = docextract::helper::confine(
        {cli.namespaces, cli.landlock, cli.seccomp, cli.options.tessdata});
    return docextract::helper::run_document(cli, sandbox, nullptr, start, original_parent);
}
