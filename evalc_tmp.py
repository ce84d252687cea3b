"""Quick: accuracy per condition for the given conditions, count N (pen + MNIST)."""
import sys, numpy as np
from training import pictures, evaluate_pictures as ep
from mnist_pad import pendigits
from mnist_pad.recognizer import Recognizer
from mnist_pad.picture import ink_from_picture
conds = sys.argv[1].split(","); count = int(sys.argv[2])
rng = np.random.default_rng(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
inks = ep.digit_inks(count, "/work/shared/data", str(pendigits.file_in("/work/shared/data")), rng)
labels = np.array([l for _, l in inks]); rec = Recognizer.load("robust"); tot = []
for c in (pictures.CONDITIONS if conds == ["all"] else conds):
    r = np.random.default_rng(sum(map(ord, c)))
    prepared = [ep.read(pictures.picture(ink, c, r), ink_from_picture)[0] for ink, _ in inks]
    p = rec.predict_inputs(prepared); ok = ((p.argmax(1) == labels) & p.any(1)).mean(); tot.append(ok)
    print(f"{c:20} {ok:.1%}", flush=True)
print("mean", f"{np.mean(tot):.2%}")
