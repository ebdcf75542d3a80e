// The kernel's named numbers, as scenario constants. Values come from the
// model's own headers (which pin them against Linux x86-64), never typed
// twice.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <string>

#include "kernel_model/aio_abi.h"
#include "kernel_model/eventfd.h"
#include "kernel_model/eventpoll.h"
#include "kernel_model/fs.h"
#include "kernel_model/mm.h"
#include "kernel_model/poll.h"
#include "kernel_model/signal_types.h"
#include "scenarios/ext_calls.h"

namespace scenarios::kext {

namespace {

// An unmapped user address (below the model's first mapping): the "bad
// pointer" of EFAULT tests.
constexpr int64_t kBadPtr = 0x1000;

struct Named {
  const char* name;
  int64_t value;
};

void Add(CallRegistry& calls, std::initializer_list<Named> list, const char* group = "") {
  for (const Named& n : list) calls.RegisterConstant(n.name, n.value, group);
}

}  // namespace

void RegisterConstants(CallRegistry& calls) {
  // Every user-visible errno (1..133) by its name, in group "errno" so that
  // failed expectations name negative results.
  for (int e = 1; e < 512; ++e) {
    std::string_view name = kernel::errno_name(e);
    if (name.empty() || name == "E?") continue;
    calls.RegisterConstant(std::string(name), e, "errno");
  }
  calls.RegisterConstant("EWOULDBLOCK", EAGAIN, "errno");

  Add(calls, {{"O_RDONLY", O_RDONLY},   {"O_WRONLY", O_WRONLY},     {"O_RDWR", O_RDWR},       {"O_ACCMODE", O_ACCMODE},
              {"O_CREAT", O_CREAT},     {"O_EXCL", O_EXCL},         {"O_TRUNC", O_TRUNC},
              {"O_APPEND", O_APPEND},   {"O_NONBLOCK", O_NONBLOCK}, {"O_DSYNC", O_DSYNC},
              {"O_DIRECT", O_DIRECT},   {"O_SYNC", O_SYNC},         {"O_CLOEXEC", O_CLOEXEC},
              {"O_NOATIME", O_NOATIME}, {"O_DIRECTORY", O_DIRECTORY}});
  Add(calls, {{"SEEK_SET", SEEK_SET}, {"SEEK_CUR", SEEK_CUR}, {"SEEK_END", SEEK_END}});
  Add(calls, {{"F_DUPFD", F_DUPFD},
              {"F_GETFD", F_GETFD},
              {"F_SETFD", F_SETFD},
              {"F_GETFL", F_GETFL},
              {"F_SETFL", F_SETFL},
              {"F_GETPIPE_SZ", F_GETPIPE_SZ},
              {"F_SETPIPE_SZ", F_SETPIPE_SZ}});
  Add(calls, {{"POLLIN", POLLIN},
              {"POLLPRI", POLLPRI},
              {"POLLOUT", POLLOUT},
              {"POLLERR", POLLERR},
              {"POLLHUP", POLLHUP},
              {"POLLNVAL", POLLNVAL},
              {"POLLRDNORM", POLLRDNORM},
              {"POLLRDBAND", POLLRDBAND},
              {"POLLWRNORM", POLLWRNORM},
              {"POLLWRBAND", POLLWRBAND},
              {"POLLRDHUP", POLLRDHUP}});
  Add(calls, {{"EPOLLIN", kernel::EPOLLIN},
              {"EPOLLPRI", kernel::EPOLLPRI},
              {"EPOLLOUT", kernel::EPOLLOUT},
              {"EPOLLERR", kernel::EPOLLERR},
              {"EPOLLHUP", kernel::EPOLLHUP},
              {"EPOLLRDNORM", kernel::EPOLLRDNORM},
              {"EPOLLWRNORM", kernel::EPOLLWRNORM},
              {"EPOLLRDHUP", kernel::EPOLLRDHUP},
              {"EPOLLEXCLUSIVE", kernel::EPOLLEXCLUSIVE},
              {"EPOLLONESHOT", kernel::EPOLLONESHOT},
              {"EPOLLET", kernel::EPOLLET},
              {"EPOLL_CTL_ADD", EPOLL_CTL_ADD},
              {"EPOLL_CTL_DEL", EPOLL_CTL_DEL},
              {"EPOLL_CTL_MOD", EPOLL_CTL_MOD},
              {"EPOLL_CLOEXEC", kernel::EPOLL_CLOEXEC}});
  Add(calls, {{"EFD_SEMAPHORE", kernel::EFD_SEMAPHORE},
              {"EFD_NONBLOCK", kernel::EFD_NONBLOCK},
              {"EFD_CLOEXEC", kernel::EFD_CLOEXEC}});
  Add(calls, {{"RWF_HIPRI", kernel::RWF_HIPRI},
              {"RWF_DSYNC", kernel::RWF_DSYNC},
              {"RWF_SYNC", kernel::RWF_SYNC},
              {"RWF_NOWAIT", kernel::RWF_NOWAIT},
              {"RWF_APPEND", kernel::RWF_APPEND},
              {"RWF_NOAPPEND", kernel::RWF_NOAPPEND},
              {"RWF_ATOMIC", kernel::RWF_ATOMIC},
              {"RWF_DONTCACHE", kernel::RWF_DONTCACHE}});
  Add(calls, {{"IOCB_CMD_PREAD", kernel::IOCB_CMD_PREAD},
              {"IOCB_CMD_PWRITE", kernel::IOCB_CMD_PWRITE},
              {"IOCB_CMD_FSYNC", kernel::IOCB_CMD_FSYNC},
              {"IOCB_CMD_FDSYNC", kernel::IOCB_CMD_FDSYNC},
              {"IOCB_CMD_POLL", kernel::IOCB_CMD_POLL},
              {"IOCB_CMD_NOOP", kernel::IOCB_CMD_NOOP},
              {"IOCB_CMD_PREADV", kernel::IOCB_CMD_PREADV},
              {"IOCB_CMD_PWRITEV", kernel::IOCB_CMD_PWRITEV},
              {"IOCB_FLAG_RESFD", kernel::IOCB_FLAG_RESFD},
              {"IOCB_FLAG_IOPRIO", kernel::IOCB_FLAG_IOPRIO}});
  Add(calls, {{"SIGHUP", SIGHUP},   {"SIGINT", SIGINT},   {"SIGQUIT", SIGQUIT}, {"SIGKILL", SIGKILL},
              {"SIGUSR1", SIGUSR1}, {"SIGSEGV", SIGSEGV}, {"SIGUSR2", SIGUSR2}, {"SIGPIPE", SIGPIPE},
              {"SIGALRM", SIGALRM}, {"SIGTERM", SIGTERM}, {"SIGCHLD", SIGCHLD}, {"SIGCONT", SIGCONT},
              {"SIGSTOP", SIGSTOP}, {"SIGIO", SIGIO},     {"SIGRTMIN", kernel::KERNEL_SIGRTMIN}});
  Add(calls, {{"SIG_BLOCK", SIG_BLOCK},
              {"SIG_UNBLOCK", SIG_UNBLOCK},
              {"SIG_SETMASK", SIG_SETMASK},
              {"SIG_DFL", static_cast<int64_t>(kernel::SIG_DFL_HANDLER)},
              {"SIG_IGN", static_cast<int64_t>(kernel::SIG_IGN_HANDLER)},
              {"SA_RESTART", SA_RESTART}});
  Add(calls, {{"PROT_NONE", PROT_NONE}, {"PROT_READ", PROT_READ}, {"PROT_WRITE", PROT_WRITE}});
  Add(calls, {{"SOCK_NONBLOCK", SOCK_NONBLOCK}, {"SOCK_CLOEXEC", SOCK_CLOEXEC}, {"SHUT_RD", SHUT_RD},
              {"SHUT_WR", SHUT_WR}, {"SHUT_RDWR", SHUT_RDWR}});
  Add(calls, {{"PAGE_SIZE", static_cast<int64_t>(kernel::PAGE_SIZE)}, {"BAD_PTR", kBadPtr}});
}

}  // namespace scenarios::kext
