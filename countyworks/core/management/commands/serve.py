"""`countyworks serve` — gunicorn (a production WSGI server) with WhiteNoise serving static files, and
the background-task worker (`countyworks db_worker`) beside it when the queue is the database."""

import subprocess  # nosec B404 - starts our own worker command, no shell
import sys
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def uses_database_queue():
    return settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def _die_with_parent():
    """Linux: the worker gets SIGTERM when the server process dies, even by SIGKILL."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Worker:
    """The task worker as a child process, restarted if it dies, stopped with the server."""

    def __init__(self, stdout):
        self.stdout, self.proc, self.stopping = stdout, None, threading.Event()

    def start(self):
        threading.Thread(target=self._run, name="task-worker", daemon=True).start()

    def _run(self):
        while not self.stopping.is_set():
            self.proc = subprocess.Popen(  # nosec B603 - fixed argv: this interpreter, our command
                [sys.executable, "-m", "countyworks", "db_worker", "--no-startup-delay", "--interval", "1",
                 "--no-reload"], preexec_fn=_die_with_parent)
            self.proc.wait()
            if not self.stopping.is_set():
                self.stdout.write(f"后台任务进程已退出（{self.proc.returncode}），5秒后重启")
                self.stopping.wait(5)

    def stop(self):
        self.stopping.set()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Command(BaseCommand):
    help = "启动 Web 服务（gunicorn）和后台任务进程"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--no-worker", action="store_true",
                            help="不启动后台任务进程（另行运行 countyworks db_worker 时）")

    def handle(self, bind, workers, threads, no_worker=False, **opts):
        from gunicorn.app.base import BaseApplication

        call_command("collectstatic", interactive=False, verbosity=0)
        from countyworks.wsgi import application

        class App(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", bind)
                self.cfg.set("workers", workers)
                self.cfg.set("threads", threads)
                self.cfg.set("accesslog", "-")
                self.cfg.set("timeout", 120)

            def load(self):
                return application

        worker = None
        if uses_database_queue() and not no_worker:
            worker = Worker(self.stdout)
            worker.start()
        self.stdout.write(f"县区工作台已启动：http://{bind}/  （数据目录 {settings.DATA_DIR}；Ctrl+C 退出）")
        try:
            App().run()
        finally:
            if worker:
                worker.stop()
