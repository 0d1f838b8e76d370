"""TensorBoard without TensorFlow: event files written with tensorboardX.

Scalars per epoch (and per batch with `update_freq`), weight histograms and images, the model's
graph from the IR (one node per op, grouped by layer), a profile of chosen batches through
`jax.profiler`, and embeddings for the Projector, laid out as Keras 3 lays them out:
`<log_dir>/train` and `<log_dir>/validation`.
"""
from __future__ import annotations

import os

import numpy as np

from ...runtime.loops import logs_to_floats
from .callback import Callback
from .tensorboard_assets import write_embeddings, write_projector_config, write_weight_images


def _summary_writer_class():
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise ImportError("The TensorBoard callback writes event files with the `tensorboardX` package, which is not "
                          "installed: pip install tensorboardX (or kerax[tensorboard])") from None
    return SummaryWriter


def graph_def(graph):
    """A TensorBoard GraphDef of an IR graph: one node per op, named `<layer>/<op>_<index>` so
    that the Graphs tab groups them by layer."""
    from tensorboardX.proto import graph_pb2, node_def_pb2

    g = graph.to_networkx()
    names = {}
    for index, data in g.nodes(data=True):
        scope = data["layer"] or "model"
        names[index] = f"{scope}/{data['op']}_{index}"
    out = graph_pb2.GraphDef()
    for index, data in g.nodes(data=True):
        inputs = [names[source] for source, _ in g.in_edges(index)]
        out.node.append(node_def_pb2.NodeDef(name=names[index], op=data["op"], input=inputs))
    return out


class TensorBoard(Callback):
    """Keras 3's TensorBoard callback, its arguments and defaults. `write_images` writes the
    weights as images with the histograms; `embeddings_freq` writes the Projector's files
    (tensorboard_assets.py says which).

    >>> model.fit(x, y, callbacks=[TensorBoard(log_dir="logs", histogram_freq=1)])  # doctest: +SKIP
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        self._writer_class = _summary_writer_class()
        if update_freq != "epoch" and update_freq != "batch" and (isinstance(update_freq, bool) or
                                                                    not isinstance(update_freq, int)):
            raise ValueError(f"TensorBoard: `update_freq` must be 'epoch', 'batch' or an integer, received "
                             f"{update_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.profile_batch = profile_batch
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._start_batch, self._stop_batch = self._profile_range(profile_batch)
        self._writers = {}
        self._tracing = self._profiled = False
        self._batches_since_write = 0

    @staticmethod
    def _profile_range(profile_batch):
        if isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
            start, stop = int(profile_batch[0]), int(profile_batch[1])
        elif isinstance(profile_batch, (int, np.integer)) and not isinstance(profile_batch, bool):
            start = stop = int(profile_batch)
        else:
            raise ValueError(f"TensorBoard: `profile_batch` must be a non-negative integer or a pair (start, stop); "
                             f"received {profile_batch!r}")
        if start < 0 or stop < start:
            raise ValueError(f"TensorBoard: `profile_batch` must be non-negative with start <= stop; received "
                             f"{profile_batch!r}")
        return start, stop

    def _stop_trace(self):
        import jax

        jax.profiler.stop_trace()
        self._tracing = False
        self._profiled = True

    def _writer(self, name):
        if name not in self._writers:
            self._writers[name] = self._writer_class(os.path.join(self.log_dir, name))
        return self._writers[name]

    def on_train_begin(self, logs=None):
        self._batches_since_write = 0
        if self.embeddings_freq:
            write_projector_config(self.log_dir, self.model, self.embeddings_metadata)
        if self.write_graph:
            programs = getattr(self.model, "_programs", {})
            for program in programs.values():
                # one event per graph; tensorboardX has no public call for a GraphDef
                from tensorboardX.proto import event_pb2

                event = event_pb2.Event(graph_def=graph_def(program.graph).SerializeToString())
                self._writer("train")._get_file_writer().add_event(event)
                break  # the training program's graph (the first one traced)

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)
        # profile_batch counts batches from 1, in the first epoch; executions of K steps start and
        # stop the trace at their boundaries
        if self._start_batch and not self._profiled and not self._tracing and batch + 1 >= self._start_batch:
            import jax

            jax.profiler.start_trace(os.path.join(self.log_dir, "train"))
            self._tracing = True

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)
        if self._tracing and batch + 1 >= self._stop_batch:
            self._stop_trace()
        if isinstance(self.update_freq, int):
            self._batches_since_write += 1
            if self._batches_since_write >= self.update_freq:
                self._batches_since_write = 0
                step = int(self.model.optimizer.iterations.numpy())
                for key, value in logs_to_floats(logs or {}).items():
                    self._writer("train").add_scalar(f"batch_{key}", value, step)

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            name, key = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            self._writer(name).add_scalar(f"epoch_{key}", float(value), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for variable, value in zip(self.model.weights, self.model.get_weights()):
                name = getattr(variable, "path", None) or variable.name
                self._writer("train").add_histogram(f"{name}/histogram", np.asarray(value), epoch)
            if self.write_images:
                write_weight_images(self._writer("train"), self.model, epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            write_embeddings(self.log_dir, self.model, epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        if self._tracing:
            self._stop_trace()
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
