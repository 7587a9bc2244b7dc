// Runs `sinkstream serve` as a child process for end-to-end tests: starts it on
// a free port (--port 0), waits for the "listening on http://HOST:PORT" line,
// and stops it with SIGTERM (or SIGKILL, for the durability test). The binary is
// this build's, or $SINKSTREAM_SERVE_BINARY when set.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace sinkstream::test {

class ServerProcess {
 public:
  // args: what follows `sinkstream serve` (the port is added). Throws
  // std::runtime_error with the server's stderr when it does not come up in 60 s.
  explicit ServerProcess(const std::vector<std::string>& args);
  ~ServerProcess();  // SIGTERM and wait (SIGKILL after 30 s)
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  bool running();
  // SIGTERM; returns the exit status (-signal when killed by a signal).
  int terminate();
  void kill9();
  std::string stderr_text() const;

 private:
  int wait_exit(double seconds);
  pid_t pid_ = -1;
  int port_ = 0;
  int status_ = 0;
  std::string err_path_;
};

// POSTs `body` (JSON) to 127.0.0.1:port `path` and hands each piece of the
// response body to on_data as it arrives (false: hang up). Returns the status (0: no response).
int stream_post(int port, const std::string& path, const std::string& body,
                const std::function<bool(const char* data, size_t n)>& on_data);

// The model and chat template the server tests use: the demo model (in the
// repository) with a ChatML template from tests/fixtures/serve.
std::vector<std::string> demo_serve_args();

}  // namespace sinkstream::test
