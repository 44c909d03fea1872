"""Banks built in Python for the site tests, the golden site, and its regeneration.

Regenerate the golden copy after an intended change to the site, then review the diff;
retake the screenshots in docs/screenshots/ the same way::

    .venv/bin/python -m tests.site_helpers regenerate
    .venv/bin/python -m tests.site_helpers screenshots
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import generator.render as render
from generator.errors import Location
from generator.model import Bank, Choice, Pattern, Question, Settings, Solution, Step
from generator.render import render_site
from generator.render.publish import publish
from generator.result import Environment, QuestionResult

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "small-site"
SCREENSHOTS = ROOT / "docs" / "screenshots"
#: Debian's Chromium; the browser tests never download a browser.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
#: Installed by `npm ci --no-audit --no-fund` (package.json at the repo root).
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CV_FILE = "bank/computer-vision/pretrained-models.yaml"
ML_FILE = "bank/machine-learning/data-splits.yaml"


def at(file: str, line: int = 1, column: int = 1) -> Location:
    """A location in a bank file, as the loader would record it."""
    return Location(file, line, column)


def choices(
    file: str, texts: list[str], correct: int, why: dict[int, str] | None = None
) -> tuple[Choice, ...]:
    """Choices from plain texts; ``correct`` is the author index of the right one."""
    why = why or {}
    return tuple(
        Choice(text, i == correct, why.get(i), at(file, 10 + i, 9)) for i, text in enumerate(texts)
    )


def question(
    file: str,
    pattern_id: str,
    qid: str,
    *,
    mode: str = "practice",
    type: str = "conceptual",
    difficulty: str = "easy",
    title: str = "",
    prompt: str = "",
    texts: list[str],
    correct: int,
    why: dict[int, str] | None = None,
    steps: list[tuple[str, str]] | None = None,
    quick_check: str | None = None,
    mistakes: tuple[str, ...] = (),
    **extra: object,
) -> Question:
    """A question with defaults resolved the way the loader resolves them."""
    solution = None
    if steps is not None or quick_check is not None:
        solution = Solution(
            tuple(Step(t, b, at(file, 30, 11)) for t, b in steps or []),
            quick_check,
            at(file, 29, 7),
        )
    if mode == "challenge":
        extra.setdefault("time_limit", 120)
        extra.setdefault("attempts", 2)
    return Question(
        id=qid,
        pattern_id=pattern_id,
        mode=mode,
        type=type,
        difficulty=difficulty,
        title=title,
        prompt=prompt,
        choices=choices(file, texts, correct, why),
        location=at(file, 5, 5),
        solution=solution,
        common_mistakes=mistakes,
        **extra,  # type: ignore[arg-type]
    )


def pretrained_models() -> Pattern:
    """The reference quiz page as a pattern: 5 timed challenges, 5 worked practice questions."""
    f, pid = CV_FILE, "pretrained-models"

    def q(qid: str, **kw: object) -> Question:
        return question(f, pid, qid, **kw)  # type: ignore[arg-type]

    challenge = (
        q(
            "why-less-training-time",
            mode="challenge",
            difficulty="intermediate",
            title="Why do pre-trained models reduce training time?",
            prompt="Imagine you want to teach a robot to recognize objects. You can start from "
            "scratch or use a robot that already knows some objects. Why does using a "
            "pre-trained model save time?",
            texts=[
                "Because pre-trained models use less memory, making training quicker.",
                "Because pre-trained models use simpler algorithms that run faster.",
                "Because pre-trained models skip the training process entirely and only do "
                "testing.",
                "Because the model already learned useful features, so it needs less data and "
                "time to adapt to the new task.",
            ],
            correct=3,
            why={0: "Memory use is not what makes training shorter."},
            hint="Think about how learning basics first helps you learn new things faster.",
        ),
        q(
            "frozen-base-trainable-params",
            mode="challenge",
            type="predict-output",
            difficulty="intermediate",
            title="Trainable parameters after freezing a pre-trained base",
            prompt="Consider this code that freezes a pre-trained base. What will be printed?",
            code="from tensorflow.keras.applications import MobileNetV2\n"
            "base = MobileNetV2(weights='imagenet', include_top=False)\n"
            "for layer in base.layers:\n"
            "    layer.trainable = False\n"
            'print(f"Trainable parameters: {12810}")\n',
            texts=[
                "Trainable parameters: 2270794",
                "Trainable parameters: 12810",
                "Trainable parameters: 2257984",
                "Trainable parameters: 1280",
            ],
            correct=1,
            why={
                0: "That is every parameter; the frozen base does not count.",
                1: "Only the new Dense head trains: 1280 x 10 + 10.",
            },
            hint="Think about which layers are still trainable once the base is frozen.",
        ),
        q(
            "fast-model-choice",
            mode="challenge",
            type="model-choice",
            difficulty="advanced",
            title="Choosing a pre-trained model for fast training",
            prompt="You want to train a model quickly on a small image dataset. "
            "Which pre-trained model choice will save the most training time?",
            texts=[
                "A large model like ResNet152 with many layers and parameters.",
                "A small model like MobileNetV2 designed for efficiency.",
                "A model trained from scratch with random weights.",
                "A model with no pre-trained weights but fewer layers.",
            ],
            correct=1,
            hint="Think about model size and pre-training impact on training speed.",
        ),
        q(
            "freezing-layers-time",
            mode="challenge",
            type="hyperparameter",
            difficulty="advanced",
            title="Effect of freezing layers on training time",
            prompt="When using a pre-trained model, how does freezing more layers affect "
            "training time?",
            texts=[
                "Freezing layers has no effect on training time.",
                "Freezing more layers increases training time because the model becomes unstable.",
                "Freezing more layers reduces training time because fewer parameters are updated.",
                "Freezing layers causes the model to train slower due to extra computations.",
            ],
            correct=2,
            hint="Think about how many parts of the model need to learn during training.",
        ),
        q(
            "speed-vs-accuracy",
            mode="challenge",
            type="metrics",
            difficulty="expert",
            title="Interpreting training speed and accuracy with pre-trained models",
            prompt="You fine-tune two pre-trained models on the same small dataset. Model A "
            "trains faster but has lower accuracy. Model B trains slower but achieves higher "
            "accuracy. What is the best explanation?",
            texts=[
                "Model A is smaller and less complex, so it trains faster but may not capture "
                "all features, leading to lower accuracy.",
                "Model B uses random weights, so it trains slower but learns better.",
                "Model B has fewer layers, so it trains slower but is more accurate.",
                "Model A uses a worse optimizer causing faster training but lower accuracy.",
            ],
            correct=0,
            hint="Consider model size, complexity, and training speed trade-offs.",
        ),
    )
    practice = (
        q(
            "why-save-time",
            title="Why do pre-trained models save time in computer vision projects?",
            prompt="Why do pre-trained models save time in computer vision projects?",
            texts=[
                "They require more data to train from scratch",
                "They eliminate the need for any data preprocessing",
                "They always produce perfect results without any training",
                "They reuse features learned from large datasets, reducing training time",
            ],
            correct=3,
            steps=[
                (
                    "Understand what pre-trained models do",
                    "Pre-trained models have already learned useful features from large "
                    "datasets, so you don't start from zero.",
                ),
                (
                    "Connect this to time saved",
                    "Since the model already knows many features, you spend less time "
                    "training it on your own data.",
                ),
            ],
            quick_check="Pre-trained models reuse features = {answer}",
            hint="Pre-trained means already learned features reused",
            mistakes=(
                "Thinking pre-trained models need more data",
                "Believing they need no training at all",
                "Assuming they remove all preprocessing",
            ),
        ),
        q(
            "pytorch-load-pretrained",
            type="code",
            title="Loading a pre-trained model in PyTorch",
            prompt="Which of the following is the correct way to load a pre-trained model in "
            "Python using PyTorch?",
            texts=[
                "`model = torchvision.models.resnet50(pretrained=True)`",
                "`model = torchvision.models.resnet50(pretrained=False)`",
                "`model = torchvision.load_model('resnet50')`",
                "`model = torch.load('resnet50_pretrained')`",
            ],
            correct=0,
            steps=[
                (
                    "Recall PyTorch syntax for loading pre-trained models",
                    "In PyTorch, you use `torchvision.models` with `pretrained=True`.",
                ),
                (
                    "Check options for correctness",
                    "Option {answer} uses the correct function and argument; the others load "
                    "without pre-training or call functions that do not exist.",
                ),
            ],
            quick_check="PyTorch pre-trained load = {answer}",
            hint="Use `pretrained=True` to load pre-trained models in PyTorch",
            mistakes=(
                "Using `pretrained=False` by mistake",
                "Calling non-existent functions like `torchvision.load_model`",
            ),
        ),
        q(
            "mobilenet-output-shape",
            type="predict-output",
            difficulty="medium",
            title="Output shape of MobileNetV2 predictions",
            prompt="Consider this code that loads a pre-trained MobileNetV2 model and predicts "
            "on an input image. What will be the printed output shape?",
            code="import numpy as np\nimport tensorflow as tf\n"
            "model = tf.keras.applications.MobileNetV2(weights='imagenet')\n"
            "input_data = np.random.rand(1, 224, 224, 3).astype('float32')\n"
            "predictions = model.predict(input_data)\nprint(predictions.shape)\n",
            texts=["(224, 224, 3)", "(1, 1000)", "(1, 224, 224, 3)", "(1000,)"],
            correct=1,
            steps=[
                (
                    "Understand MobileNetV2 output shape",
                    "MobileNetV2 pre-trained on ImageNet outputs predictions for 1000 classes, "
                    "so the output shape is `(batch_size, 1000)`.",
                ),
                ("Check input batch size and output", "Input batch size is 1, so (1, 1000)."),
            ],
            quick_check="Output shape = (batch, 1000 classes) = {answer}",
            hint="Output shape matches batch size and number of classes",
            mistakes=("Confusing input shape with output shape", "Ignoring batch dimension"),
        ),
        q(
            "missing-fc-attribute",
            type="debugging",
            difficulty="medium",
            title="AttributeError when fine-tuning",
            prompt="You tried to fine-tune a pre-trained model but got an error: "
            "`AttributeError: 'Sequential' object has no attribute 'fc'`. "
            "What is the likely cause?",
            texts=[
                "You used a model architecture without an 'fc' layer and tried to access it",
                "You forgot to load pre-trained weights",
                "You passed wrong input shape to the model",
                "You used the wrong optimizer",
            ],
            correct=0,
            steps=[
                (
                    "Understand the error message",
                    "The model has no attribute `fc`: it has no layer of that name.",
                ),
                ("Connect error to cause", "Accessing `fc` on a `Sequential` model fails."),
            ],
            quick_check="Missing 'fc' layer attribute = {answer}",
            hint="Check if the model has the layer before accessing it",
            mistakes=("Assuming all models have an 'fc' layer", "Blaming optimizer or input shape"),
        ),
        q(
            "small-dataset-approach",
            type="model-choice",
            difficulty="hard",
            title="Fine-tuning with only 500 images",
            prompt="You want to classify images of cats and dogs but your dataset has only 500 "
            "images. Which approach saves the most time while achieving good accuracy?",
            texts=[
                "Use a pre-trained model without any fine-tuning and directly predict",
                "Train a new model from scratch with random weights on your 500 images",
                "Use a pre-trained model and fine-tune only the last layer on your dataset",
                "Manually label more images before training any model",
            ],
            correct=2,
            steps=[
                ("Consider dataset size", "With only 500 images, training from scratch is slow."),
                ("Use fine-tuning", "Fine-tuning only the last layer reuses learned features."),
            ],
            quick_check="Fine-tune last layer for small data = {answer}",
            hint="Fine-tune last layer for small datasets",
            mistakes=("Training from scratch with little data",),
        ),
    )
    return Pattern(
        id=pid,
        title="Why pre-trained models save time in Computer Vision",
        topic="Computer Vision",
        topic_slug="computer-vision",
        questions=challenge + practice,
        path=ROOT / f,
        location=at(f),
        tags=("ml",),
        minutes=20,
        badge="Pre-trained Model Master",
        intro="A **pre-trained model** has already learned general visual features: edges, "
        "textures, shapes.\n\nReusing them lets you adapt to a new task with less data and time.",
    )


def data_splits() -> Pattern:
    """A second, smaller pattern: shuffled choices and a code block in Markdown."""
    f, pid = ML_FILE, "data-splits"
    return Pattern(
        id=pid,
        title="Splitting data for training and testing",
        topic="Machine Learning",
        topic_slug="machine-learning",
        path=ROOT / f,
        location=at(f),
        minutes=None,
        questions=(
            question(
                f,
                pid,
                "split-purpose",
                title="Why keep a test set apart?",
                prompt="Why do we keep a **test set** apart from the training data?",
                texts=[
                    "To estimate how the model does on data it has never seen",
                    "To make training faster",
                    "To have more data for training",
                ],
                correct=0,
                shuffle=True,
                why={1: "Speed is not the point of a split.", 0: "Yes: it measures {answer}."},
                steps=[("Think about evaluation", "A model must be judged on unseen data.")],
                quick_check="Unseen data = {answer}",
            ),
            question(
                f,
                pid,
                "split-sizes",
                type="predict-output",
                difficulty="hard",
                title="Sizes after an 80/20 split",
                prompt="What does this print?\n\n"
                "```python\nprint(len(range(80)), len(range(20)))\n```",
                code="from sklearn.model_selection import train_test_split\n"
                "a, b = train_test_split(list(range(100)), test_size=0.2, random_state=0)\n"
                "print(len(a), len(b))\n",
                texts=["80 20", "20 80", "100 0"],
                correct=0,
                shuffle=True,
            ),
        ),
    )


def small_bank() -> Bank:
    """The bank of the golden site: two topics, two patterns."""
    settings = Settings(
        title="Pattern Practice",
        description="Short, hands-on lessons. Each pattern has a timed **Challenge**, a worked "
        "**Practice** set and a **Test**.",
    )
    return Bank(
        root=ROOT / "bank", settings=settings, patterns=(pretrained_models(), data_splits())
    )


def small_results() -> dict[str, QuestionResult]:
    """A verified run for the MobileNet question, as ``verify`` would report it."""
    env = Environment("3.11.7", (("tensorflow", "2.21.0"),), "bwrap")
    return {
        "mobilenet-output-shape": QuestionResult(
            "pretrained-models",
            "mobilenet-output-shape",
            at(CV_FILE, 90, 5),
            "ok",
            executed=True,
            environment=env,
        )
    }


def correct_text(bank: Bank, qid: str) -> str:
    """The text of the choice that the bank's author marked correct in question ``qid``."""
    found = [q for q in bank.questions() if q.id == qid]
    assert len(found) == 1, f"no question {qid} in the bank"
    return found[0].correct.text


def build_small_site(out: Path) -> list[Path]:
    """Render the golden bank into ``out``."""
    return render_site(small_bank(), out, small_results())


#: Start of the mark :func:`render_chunk_noting_worker` adds to the files a chunk wrote.
WORKER_MARK = "rendered-by-pid-"
_render_chunk = render._render_chunk


def render_chunk_noting_worker(job: render._Job, pages: list[render.PatternPage]) -> list[Path]:
    """The renderer's own chunk function, plus a mark naming the process that ran it.

    Set in its place, it shows which processes rendered a site: worker processes load
    it by name and call the original, captured here when this module is imported.
    """
    return [*_render_chunk(job, pages), Path(f"{WORKER_MARK}{os.getpid()}")]


def worker_pids(written: list[Path]) -> set[int]:
    """The processes :func:`render_chunk_noting_worker` saw render, from the files written."""
    return {
        int(p.name.removeprefix(WORKER_MARK)) for p in written if p.name.startswith(WORKER_MARK)
    }


def generated_bank(count: int = 5000, per_pattern: int = 10, code_every: int = 3) -> Bank:
    """A large synthetic bank for size and speed checks: ``count`` questions."""
    patterns = []
    difficulties = ("easy", "medium", "intermediate", "hard", "advanced", "expert")
    for p in range(count // per_pattern):
        pid = f"pattern-{p:04d}"
        f = f"bank/topic-{p % 20:02d}/{pid}.yaml"
        qs = []
        for i in range(per_pattern):
            n = p * per_pattern + i
            code = None
            if n % code_every == 0:
                code = "\n".join(
                    f"value_{k} = compute(data[{k}], factor={n + k})  # step {k}" for k in range(8)
                )
                code += "\nprint(sum(value_0, value_1))\n"
            qs.append(
                question(
                    f,
                    pid,
                    f"q-{n:05d}",
                    mode="challenge" if i < per_pattern // 2 else "practice",
                    difficulty=difficulties[n % 6],
                    title=f"Question {n}: how does technique {n % 97} change the result?",
                    prompt=f"Consider the **pipeline** number {n}. When technique {n % 97} is "
                    f"applied to the `dataset_{n % 13}`, what happens to the measured accuracy, "
                    "the training time and the size of the model on disk?",
                    texts=[
                        f"It improves accuracy by {n % 7} points",
                        "It leaves the model unchanged",
                        f"It doubles the training time of stage {n % 5}",
                        "It removes the need for validation data",
                    ],
                    correct=n % 4,
                    code=code,
                    why={0: "Not quite: measure before you conclude."},
                    steps=[
                        ("Read the pipeline", "Look at what the technique changes."),
                        ("Compare", "The right option is {answer}."),
                    ],
                    quick_check="Technique = {answer}",
                    mistakes=("Ignoring the validation set", "Confusing time with accuracy"),
                    hint="Think about what is measured.",
                    shuffle=n % 2 == 0,
                )
            )
        patterns.append(
            Pattern(
                id=pid,
                title=f"Pattern {p}: techniques and their trade-offs",
                topic=f"Topic {p % 20}",
                topic_slug=f"topic-{p % 20:02d}",
                questions=tuple(qs),
                path=ROOT / f,
                location=at(f),
                minutes=15,
                badge=f"Badge {p}",
            )
        )
    return Bank(root=ROOT / "bank", settings=Settings(), patterns=tuple(patterns))


def regenerate() -> None:
    """Rebuild ``tests/golden/small-site`` (swapped in only when the build succeeds)."""
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    publish(build_small_site, GOLDEN)
    print(f"regenerated {GOLDEN.relative_to(ROOT)}")


def screenshots() -> list[Path]:
    """Index and each mode of a pattern, as a learner sees them, at 375 and 1280 px wide."""
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        site = Path(tmp)
        build_small_site(site)
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        cv = site / "computer-vision" / "pretrained-models"
        shots: list[tuple[str, Path, str]] = [
            ("index", site / "index.html", ""),
            ("practice", cv / "practice.html", "practice"),
            ("challenge", cv / "challenge.html", "challenge"),
            ("test", cv / "test.html", "test"),
        ]
        for width in (375, 1280):
            for scheme in ("light", "dark"):
                if scheme == "dark" and width == 375:
                    continue
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, color_scheme=scheme
                )
                page = context.new_page()
                for name, path, action in shots:
                    page.goto(path.as_uri())
                    _act(page, action)
                    page.mouse.move(0, 0)  # no hover effect in the picture
                    out = SCREENSHOTS / f"{name}-{width}{'-dark' if scheme == 'dark' else ''}.png"
                    page.screenshot(path=str(out), full_page=True)
                    taken.append(out)
                context.close()
        browser.close()
    return taken


def _act(page: Any, action: str) -> None:
    """Bring a mode page into the state worth showing: answered, timed, reviewed."""
    if action == "practice":
        page.get_by_label("A. They require more data").check()
        page.get_by_role("button", name="Check answer").first.click()
    elif action == "challenge":
        page.get_by_role("button", name="Start challenge").click()
        page.get_by_role("button", name="Show hint").first.click()
        page.get_by_label("A. Because pre-trained models use less memory").check()
        page.get_by_role("button", name="Check answer").first.click()
    elif action == "test":
        for article in page.locator("article.question").all()[:9]:
            article.locator("input[type=radio]").first.check()
        page.get_by_role("button", name="Finish test and see score").click()
        page.get_by_role("button", name="Finish anyway").click()
        page.evaluate("window.scrollTo(0, 0)")


if __name__ == "__main__":
    command = sys.argv[1:]
    if command == ["regenerate"]:
        regenerate()
    elif command == ["screenshots"]:
        for shot in screenshots():
            print(shot.relative_to(ROOT))
    else:
        sys.exit("usage: python -m tests.site_helpers regenerate|screenshots")
