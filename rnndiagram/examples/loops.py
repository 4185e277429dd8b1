"""Recurrence where it hides, rebuilt small from public sources: a recurrent layer or cell
called once per step of a Python loop (drawn folded into one time axis), and a recurrent
layer inside a model that TimeDistributed runs at every step. Each builder's docstring
names its source and what was changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Tuple

from ..read.keras_import import import_keras
from .base import Example

if TYPE_CHECKING:
    import keras


def attention_decoder_loop() -> keras.Model:
    """Neural machine translation of dates with attention: a Bidirectional LSTM reads the
    date, and ONE post-attention LSTM is called once per output character, one step each,
    starting from the states the call before returned; before each call, an attention
    over every input step (RepeatVector, Concatenate, two Dense, softmax over time, Dot)
    makes the context from the previous state.

    Source: the deeplearning.ai Sequence Models assignment "Neural machine translation with
    attention" (``one_step_attention``, ``model(Tx, Ty, n_a, n_s, ...)``), after Bahdanau et
    al. 2015. Changed: 8 input and 4 output characters instead of 30 and 10, vocabularies
    12 and 11, n_a 4 and n_s 8 instead of 32 and 64; softmax over time as a Softmax layer.
    """
    keras = import_keras()
    layers = keras.layers
    tx, ty, n_a, n_s = 8, 4, 4, 8
    repeator = layers.RepeatVector(tx, name="repeator")
    concatenator = layers.Concatenate(axis=-1, name="concatenator")
    densor1 = layers.Dense(10, activation="tanh", name="densor1")
    densor2 = layers.Dense(1, activation="relu", name="densor2")
    activator = layers.Softmax(axis=1, name="attention_weights")
    dotor = layers.Dot(axes=1, name="dotor")
    post_attention_lstm = layers.LSTM(n_s, return_state=True, name="post_attention_lstm")
    output_layer = layers.Dense(11, activation="softmax", name="output_layer")
    date = keras.Input(shape=(tx, 12), name="date")
    s0 = keras.Input(shape=(n_s,), name="s0")
    c0 = keras.Input(shape=(n_s,), name="c0")
    a = layers.Bidirectional(layers.LSTM(n_a, return_sequences=True, name="pre_attention_lstm"),
                             name="pre_attention_bilstm")(date)
    s, c = s0, c0
    outputs = []
    for _ in range(ty):
        alphas = activator(densor2(densor1(concatenator([a, repeator(s)]))))
        context = dotor([alphas, a])
        s, _, c = post_attention_lstm(context, initial_state=[s, c])
        outputs.append(output_layer(s))
    return keras.Model([date, s0, c0], outputs, name="attention_decoder_loop")


def feedback_forecaster() -> keras.Model:
    """An autoregressive forecaster: an LSTM warms up on the observed steps, then the SAME
    LSTM cell is called once per predicted step on its own previous prediction, passing
    its states from call to call.

    Source: the ``FeedBack`` model of the TensorFlow tutorial "Time series forecasting"
    (tensorflow.org/tutorials/structured_data/time_series, "Advanced: Autoregressive
    model"). Changed: a functional model instead of a subclassed one; 8 observed and 5
    predicted steps instead of 24 and 24, 3 features instead of 19, 8 units instead of 32;
    the predictions joined with Reshape and Concatenate instead of ``tf.stack`` and
    ``tf.transpose``.
    """
    keras = import_keras()
    layers = keras.layers
    out_steps, units, features = 5, 8, 3
    inputs = keras.Input(shape=(8, features), name="observed")
    lstm_cell = layers.LSTMCell(units, name="lstm_cell")
    warmup = layers.RNN(lstm_cell, return_state=True, name="warmup")
    dense = layers.Dense(features, name="dense")
    x, *state = warmup(inputs)
    prediction = dense(x)
    predictions = [prediction]
    for _ in range(1, out_steps):
        x, state = lstm_cell(prediction, states=state)
        prediction = dense(x)
        predictions.append(prediction)
    steps = [layers.Reshape((1, features), name=f"as_step_{t}")(p) for t, p in enumerate(predictions)]
    return keras.Model(inputs, layers.Concatenate(axis=1, name="forecast")(steps), name="feedback_forecaster")


def convlstm_forecaster_loop() -> keras.Model:
    """The encoding-forecasting ConvLSTM network for precipitation nowcasting: two stacked
    ConvLSTM encoders hand their final states to two stacked ConvLSTM forecasters, called
    once per predicted frame on the frame predicted before.

    Source: X. Shi et al., "Convolutional LSTM Network: A Machine Learning Approach for
    Precipitation Nowcasting", NeurIPS 2015 (arXiv:1506.04214), Fig. 3. Keras has no public
    ConvLSTM cell, so each forecaster is a ``ConvLSTM2D(return_state=True)`` called on a
    one-step sequence. Changed: 8x8 maps instead of 100x100, 4 filters instead of 64,
    4 observed and 3 predicted frames instead of 5 and 15.
    """
    keras = import_keras()
    layers = keras.layers
    size, filters, out_frames = 8, 4, 3
    frames = keras.Input(shape=(4, size, size, 1), name="observed_frames")
    seq, h1, c1 = layers.ConvLSTM2D(filters, 3, padding="same", return_sequences=True, return_state=True,
                                    name="encoder_1")(frames)
    _, h2, c2 = layers.ConvLSTM2D(filters, 3, padding="same", return_state=True, name="encoder_2")(seq)
    forecaster_1 = layers.ConvLSTM2D(filters, 3, padding="same", return_state=True, name="forecaster_1")
    forecaster_2 = layers.ConvLSTM2D(filters, 3, padding="same", return_state=True, name="forecaster_2")
    to_frame = layers.Conv2D(1, 1, activation="sigmoid", name="to_frame")
    step = layers.Cropping3D(((3, 0), (0, 0), (0, 0)), name="last_observed")(frames)
    predicted: List[Any] = []
    for t in range(1, out_frames + 1):
        out_1, h1, c1 = forecaster_1(step, initial_state=[h1, c1])
        out_2, h2, c2 = forecaster_2(layers.Reshape((1, size, size, filters), name=f"as_sequence_{t}")(out_1),
                                     initial_state=[h2, c2])
        step = layers.Reshape((1, size, size, 1), name=f"frame_{t}")(to_frame(out_2))
        predicted.append(step)
    return keras.Model(frames, layers.Concatenate(axis=1, name="predicted_frames")(predicted),
                       name="convlstm_forecaster_loop")


def hierarchical_attention() -> keras.Model:
    """A hierarchical attention network: a word-level Bidirectional GRU with attention,
    built as a model of its own and applied to every sentence with TimeDistributed, then
    a sentence-level Bidirectional GRU with attention.

    Source: Yang et al., "Hierarchical Attention Networks for Document Classification"
    (NAACL 2016), as in richliao/textClassifier (textClassifierHATT.py: ``sentEncoder =
    Model(sentence_input, l_att)``, ``TimeDistributed(sentEncoder)(review_input)``).
    Changed: 4 sentences of 6 words instead of 15 of 100, embeddings 8 instead of 100, GRUs
    of 4 instead of 100; the custom attention layer written with Dense, Softmax and Dot.
    """
    keras = import_keras()
    layers = keras.layers

    def attention(h: Any, prefix: str) -> Any:
        u = layers.Dense(8, activation="tanh", name=f"{prefix}_u")(h)
        alphas = layers.Softmax(axis=1, name=f"{prefix}_alphas")(layers.Dense(1, use_bias=False,
                                                                             name=f"{prefix}_score")(u))
        return layers.Flatten(name=f"{prefix}_vector")(layers.Dot(axes=1, name=f"{prefix}_sum")([alphas, h]))

    words = keras.Input(shape=(6,), dtype="int32", name="words")
    h = layers.Bidirectional(layers.GRU(4, return_sequences=True, name="word_gru"), name="word_bigru")(
        layers.Embedding(30, 8, name="embedding")(words))
    sent_encoder = keras.Model(words, attention(h, "word_attention"), name="sent_encoder")
    review = keras.Input(shape=(4, 6), dtype="int32", name="review")
    sentences = layers.TimeDistributed(sent_encoder, name="sentences")(review)
    h = layers.Bidirectional(layers.GRU(4, return_sequences=True, name="sentence_gru"),
                             name="sentence_bigru")(sentences)
    label = layers.Dense(2, activation="softmax", name="label")(attention(h, "sentence_attention"))
    return keras.Model(review, label, name="hierarchical_attention")


EXAMPLES: Tuple[Example, ...] = (
    Example("attention_decoder_loop", "Attention decoder called in a Python loop",
            "One LSTM is called once per output character, each call starting from the states "
            "the last one returned: drawn as one row of cells over the loop's steps, with the "
            "attention that makes each step's context below it.", attention_decoder_loop),
    Example("feedback_forecaster", "LSTMCell fed its own predictions",
            "After a warm-up RNN, the same LSTMCell is called once per predicted step on its "
            "previous prediction: the prediction goes back down into the next step.",
            feedback_forecaster),
    Example("convlstm_forecaster_loop", "ConvLSTM encoder and forecaster loop",
            "Two ConvLSTM encoders hand their states to two ConvLSTM forecasters called once per "
            "predicted frame on the frame predicted before.", convlstm_forecaster_loop),
    Example("hierarchical_attention", "Hierarchical attention network",
            "A word-level Bidirectional GRU, built as its own model, runs on each sentence "
            "through TimeDistributed: drawn once, framed, beside the sentence-level GRU that "
            "reads what it makes.", hierarchical_attention),
)
