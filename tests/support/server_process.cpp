#include "support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/paths.hpp"

namespace sinkstream::test {

namespace {

int decode_status(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st); }

}  // namespace

int stream_post(int port, const std::string& path, const std::string& body,
                const std::function<bool(const char* data, size_t n)>& on_data) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(600, 0);
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.body = body;
  req.set_header("Content-Type", "application/json");
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) { return on_data(data, n); };
  const httplib::Result r = cli.send(req);
  return r ? r->status : 0;
}

std::vector<std::string> demo_serve_args() {
  return {"-m", source_dir() + "/models/sinkstream-default.gguf", "--chat-template",
          source_dir() + "/tests/fixtures/serve/chatml.jinja", "--threads", "2"};
}

ServerProcess::ServerProcess(const std::vector<std::string>& args) {
  char tmpl[] = "/tmp/sinkstream_serve_err_XXXXXX";
  const int err_fd = mkstemp(tmpl);
  if (err_fd < 0) throw std::runtime_error("mkstemp failed");
  err_path_ = tmpl;
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  // SINKSTREAM_SERVE_BINARY: run another build's server (e.g. the sanitize
  // preset's) under this test binary.
  const char* other = std::getenv("SINKSTREAM_SERVE_BINARY");
  std::vector<std::string> argv = {other != nullptr && *other != '\0' ? other : binary(), "serve"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--port");
  argv.push_back("0");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    dup2(err_fd, 2);
    close(out[0]);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  close(out[1]);
  close(err_fd);
  // Read stdout until the address line (60 s: a sanitizer build loads slowly).
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  // The port of "listening on http://HOST:PORT" once the line is complete, else 0.
  const auto port_in = [](const std::string& t) {
    const size_t at = t.find("listening on http://");
    if (at == std::string::npos) return 0;
    const size_t colon = t.find(':', at + 20);
    const size_t end = t.find('\n', at);
    if (colon == std::string::npos || end == std::string::npos || colon > end) return 0;
    int port = 0;
    for (size_t i = colon + 1; i < end && t[i] >= '0' && t[i] <= '9'; ++i) port = port * 10 + (t[i] - '0');
    return port;
  };
  while (port_in(text) == 0) {
    pollfd p{out[0], POLLIN, 0};
    const int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0 || poll(&p, 1, left) <= 0) break;
    char buf[512];
    const ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);  // later stdout writes are not read (the server writes nothing more there)
  if (port_in(text) == 0) {
    kill9();
    throw std::runtime_error("sinkstream serve did not start: stdout '" + text + "', stderr '" + stderr_text() + "'");
  }
  port_ = port_in(text);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) terminate();
  if (!err_path_.empty()) unlink(err_path_.c_str());
}

bool ServerProcess::running() {
  if (pid_ <= 0) return false;
  int st = 0;
  const pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = decode_status(st);
    pid_ = -1;
    return false;
  }
  return true;
}

int ServerProcess::wait_exit(double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  int st = 0;
  waitpid(pid_, &st, 0);
  pid_ = -1;
  status_ = decode_status(st);
  return status_;
}

int ServerProcess::terminate() {
  if (pid_ <= 0) return status_;
  ::kill(pid_, SIGTERM);
  return wait_exit(30);
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  waitpid(pid_, &st, 0);
  status_ = decode_status(st);
  pid_ = -1;
}

std::string ServerProcess::stderr_text() const {
  std::ifstream f(err_path_);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace sinkstream::test
