"""Take a trained model out of tinygraph: an ONNX file that ONNX Runtime serves.

Teaches: ``tg.onnx.export`` with named inputs and outputs and a dynamic batch axis; what the
file holds (the parameters under their ``state_dict`` names, one ONNX node per op); running it
with ONNX Runtime on a batch of another size and checking that it computes what the tinygraph
model computes. The model and data are the digits example's (``examples/digits.py``).

Needs the onnx extra and ONNX Runtime: ``pip install 'tinygraph[onnx]' onnxruntime``.

    python examples/export.py [--epochs 5] [--quick] [--out out]
"""

import argparse
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from digits import build_model, load_data, train  # the example next to this one

import tinygraph as tg


def export(model, example_batch: np.ndarray, path: Path) -> None:
    start = time.perf_counter()
    tg.onnx.export(model, tg.tensor(example_batch), path, input_names=["pixels"],
                   output_names=["logits"], dynamic_axes={"pixels": {0: "batch"}})
    elapsed = time.perf_counter() - start
    params = sum(p.numpy().nbytes for p in model.parameters())
    print(f"exported in {elapsed * 1000:.1f} ms: {path}, {path.stat().st_size:,} bytes for "
          f"{params:,} bytes of parameters")
    graph = onnx.load(str(path)).graph
    print("initializers:", ", ".join(t.name for t in graph.initializer))
    print("nodes:", " -> ".join(n.op_type for n in graph.node))


def main(epochs: int = 5, out: Path = Path("out")) -> None:
    tg.manual_seed(0)
    x_train, x_test, y_train, y_test = load_data()
    model = build_model()
    history = train(model, x_train, y_train, x_test, y_test, epochs)
    print(f"trained for {epochs} epoch(s): held-out accuracy {history['accuracy'][-1]:.1%}")

    out.mkdir(parents=True, exist_ok=True)
    path = out / "digits.onnx"
    export(model, x_test[:4], path)  # traced with 4 images; any batch size runs

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (logits,) = session.run(["logits"], {"pixels": x_test})
    model.eval()
    with tg.no_grad():
        expected = model(tg.tensor(x_test)).numpy()
    print(f"ONNX Runtime on all {len(x_test)} held-out images: max |difference| from tinygraph "
          f"{np.abs(logits - expected).max():.2e}")
    np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-6)  # float32 logits
    same = (logits.argmax(1) == expected.argmax(1)).mean()
    print(f"same predicted digit for {same:.0%} of them; held-out accuracy "
          f"{(logits.argmax(1) == y_test).mean():.1%}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="passes over the data (5)")
    parser.add_argument("--quick", action="store_true", help="1 epoch, for tests")
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the file")
    args = parser.parse_args()
    main(args.epochs if args.epochs is not None else (1 if args.quick else 5), args.out)
