// Running a program as an operator would, with its exit status and both outputs captured.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test-trees.hpp"

namespace srmd::test {

struct ProgramRun {
    int status = -1;  // exit status, or -1 if the process did not exit normally
    std::string out;
    std::string err;
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Output goes to files rather than pipes so that a large --json output cannot block the child
// while we wait for it.
inline ProgramRun run_program(const std::string& program, const std::vector<std::string>& args) {
    TempDir scratch;
    std::string out_path = scratch.path() + "/out";
    std::string err_path = scratch.path() + "/err";
    std::vector<std::string> copies = args;
    std::string name = program;
    std::vector<char*> argv = {name.data()};
    for (std::string& arg : copies)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    ProgramRun run;
    pid_t pid = ::fork();
    if (pid == 0) {
        int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (out < 0 || err < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0)
            ::_exit(126);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    if (pid < 0)
        return run;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = read_file(out_path);
    run.err = read_file(err_path);
    return run;
}

// $SRMCTL (meson sets it to the built srmctl) with `args`.
inline ProgramRun run_srmctl(const std::vector<std::string>& args) {
    const char* program = std::getenv("SRMCTL");
    return run_program(program ? program : "srmctl", args);
}

}  // namespace srmd::test
