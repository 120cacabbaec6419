"""Runs AWS CLI commands for the tests, each in a process of its own, without paying the CLI's
start-up each time: this process does what /usr/bin/aws does before it runs a command (imports
awscli.clidriver and the CLI's built-in plugins, reads the machine's distribution name, loads the
service data), then forks once per request, so a command costs 0.12-0.21 CPU-s instead of
/usr/bin/aws's ~1.3 (measured in the suite before the service data: 0.45 on average). The child sets
its arguments, environment and standard streams and runs the CLI's own entry point,
awscli.clidriver.main(), exactly as /usr/bin/aws would, and exits with its return code.

Protocol, one JSON object per line: requests on stdin {"id", "args", "env", "input"}; replies on
stdout {"id", "code", "stdout", "stderr"} (the outputs base64). The parent is single-threaded (a
selector loop), so forking it is safe. It exits when its stdin closes and its commands are done.
"""
import base64
import json
import os
import selectors
import sys
import traceback

AWS_CLI = "/usr/bin/aws"
if os.environ.get("LC_CTYPE", "") == "UTF-8":  # as /usr/bin/aws does
    os.environ["LC_CTYPE"] = "en_US.UTF-8"
before_import = dict(os.environ)
import awscli.clidriver  # noqa: E402

# The CLI's built-in plugins (awscli.plugin.BUILTIN_PLUGINS), which every command imports when it
# loads its plugins: 0.15 of the 0.41 CPU-s a forked command cost without it. Importing them reads
# no environment variable.
import awscli.handlers  # noqa: E402,F401

# The distribution name for the User-Agent (the `distro` package caches it once read): read once
# here, not in each command (~0.05 CPU-s each). It is the machine's, the same for every command.
awscli.clidriver._get_distribution()

# The service data the commands load (models, endpoint rule sets, paginators, waiters), loaded here
# once: each botocore Loader caches what it loads, but every command makes a session, so a Loader,
# of its own. Loaders of the same search paths share one cache instead (forked: a child's additions
# stay its own), filled here for the services the tests call: a forked ec2 command 0.47 → 0.21
# CPU-s, iam 0.31 → 0.16. The CLI's botocore is the top-level `botocore` module it puts on the path.
from botocore import loaders  # noqa: E402

_loaded = {}
_init_loader = loaders.Loader.__init__


def _init_sharing(self, *args, **kwargs):
    _init_loader(self, *args, **kwargs)
    self._cache = _loaded.setdefault(tuple(self.search_paths), self._cache)


loaders.Loader.__init__ = _init_sharing
_session = awscli.clidriver.create_clidriver().session
for _service in ("iam", "ec2", "ecr", "ecs", "sts", "logs", "elbv2", "secretsmanager", "cloudwatch"):
    # A client loads the model and the endpoint rule set; its calls would go nowhere, none is made.
    _session.create_client(
        _service,
        region_name="us-east-1",
        aws_access_key_id="unused",
        aws_secret_access_key="unused",
        endpoint_url="http://127.0.0.1:9",
    )
    for _load in (_session.get_paginator_model, _session.get_waiter_model):
        try:
            _load(_service)
        except Exception:  # a service without paginators or waiters
            pass

# What importing the CLI wrote to the environment (awscli sets AWS_DATA_PATH from it): a child
# starts from the same, unless its own environment would have made the import write otherwise.
import_wrote = {k: v for k, v in os.environ.items() if before_import.get(k) != v}

selector = selectors.DefaultSelector()


def child(request, stdin_r, stdout_w, stderr_w):
    os.dup2(stdin_r, 0)
    os.dup2(stdout_w, 1)
    os.dup2(stderr_w, 2)
    env = request["env"]
    if any(env.get(k) != before_import.get(k) for k in import_wrote):
        os.execve(AWS_CLI, [AWS_CLI, *request["args"]], env)  # a start of its own, then
    os.environ.clear()
    os.environ.update(env)
    if os.environ.get("LC_CTYPE", "") == "UTF-8":
        os.environ["LC_CTYPE"] = "en_US.UTF-8"
    os.environ.update(import_wrote)
    sys.argv = [AWS_CLI, *request["args"]]
    try:
        code = awscli.clidriver.main()
    except SystemExit as exit:  # what the interpreter would make of sys.exit(...)
        code = exit.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code & 0xFF)


def start(request):
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        # The child never returns into the parent's loop, whatever fails.
        try:
            selector.close()
            for fd in (stdin_w, stdout_r, stderr_r):
                os.close(fd)
            child(request, stdin_r, stdout_w, stderr_w)
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(255)
    for fd in (stdin_r, stdout_w, stderr_w):
        os.close(fd)
    # Inputs are small (policy documents, secret values): one write, then end of file.
    data = (request.get("input") or "").encode()
    while data:
        data = data[os.write(stdin_w, data) :]
    os.close(stdin_w)
    job = {"id": request["id"], "out": bytearray(), "err": bytearray(), "open": 2, "pid": pid}
    selector.register(stdout_r, selectors.EVENT_READ, (job, "out"))
    selector.register(stderr_r, selectors.EVENT_READ, (job, "err"))


def finish(job):
    _, status = os.waitpid(job["pid"], 0)
    code = os.waitstatus_to_exitcode(status)
    reply = {
        "id": job["id"],
        "code": code,
        "stdout": base64.b64encode(job["out"]).decode(),
        "stderr": base64.b64encode(job["err"]).decode(),
    }
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()


def main():
    requests = bytearray()
    selector.register(0, selectors.EVENT_READ, None)
    # Until stdin closes and the commands started are done.
    while selector.get_map():
        for key, _ in selector.select():
            if key.data is None:
                chunk = os.read(0, 65536)
                if not chunk:
                    selector.unregister(0)
                    continue
                requests += chunk
                while b"\n" in requests:
                    line, _, rest = requests.partition(b"\n")
                    requests[:] = rest
                    start(json.loads(line))
                continue
            job, stream = key.data
            chunk = os.read(key.fd, 65536)
            if chunk:
                job[stream] += chunk
                continue
            selector.unregister(key.fd)
            os.close(key.fd)
            job["open"] -= 1
            if job["open"] == 0:
                finish(job)


main()
