"""Functional patterns of published recurrent models, rebuilt small from their public
sources: a layer shared by two inputs, twin layers on one sequence, encoders read by
attention, states given as Inputs and returned as outputs, states handed between
Bidirectional layers. Each builder's docstring names its source and what was changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Tuple

from ..read.keras_import import import_keras
from .base import Example

if TYPE_CHECKING:
    import keras


def siamese_lstm() -> keras.Model:
    """MaLSTM: one Embedding and one LSTM read both questions; exp(-|left - right|)
    scores how alike they are.

    Source: Mueller and Thyagarajan, "Siamese Recurrent Architectures for Learning
    Sentence Similarity" (AAAI 2016), as built in Elior Cohen's Keras notebook
    (github.com/eliorc/Medium, MaLSTM.ipynb). Changed: 6 words, 8-wide embeddings, 6 units.
    """
    keras = import_keras()
    layers = keras.layers
    left = keras.Input(shape=(6,), dtype="int32", name="left_question")
    right = keras.Input(shape=(6,), dtype="int32", name="right_question")
    embedding = layers.Embedding(50, 8, name="embedding")
    shared_lstm = layers.LSTM(6, name="shared_lstm")
    left_code = shared_lstm(embedding(left))
    right_code = shared_lstm(embedding(right))
    similarity = layers.Lambda(_manhattan_similarity, output_shape=(1,),
                               name="manhattan_similarity")([left_code, right_code])
    return keras.Model([left, right], similarity, name="siamese_lstm")


def _manhattan_similarity(codes: Any) -> Any:
    """exp(-|left - right|_1), the MaLSTM similarity (a function of its own: a lambda would
    hold the ``ops`` module, which Keras's .h5 writer cannot copy)."""
    from keras import ops

    return ops.exp(-ops.sum(ops.abs(codes[0] - codes[1]), axis=1, keepdims=True))


def ocr_gru_pair() -> keras.Model:
    """The recurrent part of Keras 2's OCR example: a forward GRU and a go_backwards GRU
    read the same columns of an image and are added step by step (the backward outputs
    are not reversed back, as in the original).

    Source: github.com/keras-team/keras, examples/image_ocr.py (release 2.3.1): ``dense1``,
    ``gru1`` and ``gru1_b`` merged by ``add``, a Dense softmax. Changed: the convolutions
    before the Reshape left out (the input is the column sequence), 8 columns of 16
    values, 8 units instead of 512, one GRU pair instead of two.
    """
    keras = import_keras()
    layers = keras.layers
    columns = keras.Input(shape=(8, 16), name="columns")
    inner = layers.Dense(8, activation="relu", name="dense1")(columns)
    gru_1 = layers.GRU(8, return_sequences=True, name="gru1")(inner)
    gru_1b = layers.GRU(8, return_sequences=True, go_backwards=True, name="gru1_b")(inner)
    merged = layers.Add(name="gru1_merged")([gru_1, gru_1b])
    characters = layers.Dense(28, activation="softmax", name="characters")(merged)
    return keras.Model(columns, characters, name="ocr_gru_pair")


def memory_network() -> keras.Model:
    """An end-to-end memory network on bAbI: the story is embedded twice (as memories to
    match and as responses), matched with the question, and an LSTM reads the response
    joined with the question.

    Source: github.com/keras-team/keras, examples/babi_memnn.py (release 2.3.1), after
    Sukhbaatar et al., "End-To-End Memory Networks" (arXiv:1503.08895). Changed: a story
    of 6 words and a question of 3, embeddings of 8, an LSTM of 8 units, no Dropout; each
    encoder starts with a named Input (Keras would number an unnamed one).
    """
    keras = import_keras()
    layers = keras.layers
    vocab_size, story_len, query_len = 22, 6, 3
    story = keras.Input(shape=(story_len,), name="story")
    question = keras.Input(shape=(query_len,), name="question")
    input_encoder_m = keras.Sequential([keras.Input(shape=(story_len,), name="story_m"),
                                        layers.Embedding(vocab_size, 8, name="embedding_m")], name="input_encoder_m")
    input_encoder_c = keras.Sequential([keras.Input(shape=(story_len,), name="story_c"),
                                        layers.Embedding(vocab_size, query_len, name="embedding_c")],
                                       name="input_encoder_c")
    question_encoder = keras.Sequential([keras.Input(shape=(query_len,), name="question_q"),
                                         layers.Embedding(vocab_size, 8, name="embedding_q")], name="question_encoder")
    memories = input_encoder_m(story)
    responses = input_encoder_c(story)
    question_encoded = question_encoder(question)
    match = layers.Dot(axes=(2, 2), name="match")([memories, question_encoded])
    match = layers.Activation("softmax", name="match_softmax")(match)
    response = layers.Add(name="response")([match, responses])
    response = layers.Permute((2, 1), name="permute")(response)
    answer = layers.Concatenate(name="response_and_question")([response, question_encoded])
    answer = layers.LSTM(8, name="lstm")(answer)
    answer = layers.Dense(vocab_size, activation="softmax", name="answer")(answer)
    return keras.Model([story, question], answer, name="memory_network")


def seq2seq_inference_decoder() -> keras.Model:
    """The decoder of a character-level seq2seq at inference time: the states h and c
    are model Inputs that start the LSTM, and its new states are outputs, to be fed back
    in at the next step.

    Source: keras.io/examples/nlp/lstm_seq2seq ("Run inference (sampling)":
    ``decoder_model = keras.Model([decoder_inputs] + decoder_states_inputs,
    [decoder_outputs] + decoder_states)``). Changed: 16 units instead of 256.
    """
    keras = import_keras()
    layers = keras.layers
    decoder_inputs = keras.Input(shape=(None, 12), name="decoder_inputs")
    state_h = keras.Input(shape=(16,), name="decoder_state_input_h")
    state_c = keras.Input(shape=(16,), name="decoder_state_input_c")
    decoder_outputs, new_h, new_c = layers.LSTM(16, return_sequences=True, return_state=True,
                                                name="decoder_lstm")(decoder_inputs, initial_state=[state_h, state_c])
    decoder_outputs = layers.Dense(12, activation="softmax", name="decoder_dense")(decoder_outputs)
    return keras.Model([decoder_inputs, state_h, state_c], [decoder_outputs, new_h, new_c],
                       name="seq2seq_inference_decoder")


def nmt_encoder() -> keras.Model:
    """The encoder of a neural machine translation model: a GRU returns its whole output
    sequence (for attention) and its last state (to start the decoder), as two named
    outputs.

    Source: the ``Encoder`` of tensorflow/docs, site/en/tutorials/text/nmt_with_attention
    (``self.gru = tf.keras.layers.GRU(..., return_sequences=True, return_state=True)``,
    ``return output, state``). Changed: a functional model with outputs named
    ``enc_output`` and ``enc_hidden`` as in the tutorial's training step; 7 tokens,
    8-wide embeddings, 8 units instead of 1024.
    """
    keras = import_keras()
    layers = keras.layers
    tokens = keras.Input(shape=(7,), dtype="int32", name="source_tokens")
    embedded = layers.Embedding(40, 8, name="embedding")(tokens)
    output, state = layers.GRU(8, return_sequences=True, return_state=True, name="gru")(embedded)
    return keras.Model(tokens, {"enc_output": output, "enc_hidden": state}, name="nmt_encoder")


def bidirectional_handoff() -> keras.Model:
    """A Bidirectional LSTM encoder whose four final states (forward h and c, backward h
    and c) start a Bidirectional LSTM decoder, each direction from its own.

    Source: keras.io/examples/nlp/lstm_seq2seq for the encoder-decoder, and the
    ``keras.layers.Bidirectional`` documentation: with ``return_state=True`` it returns
    ``[output, forward_h, forward_c, backward_h, backward_c]``, and the first half of an
    ``initial_state`` list goes to the forward layer, the second to the backward one.
    Changed: 6 units, sequences of 5 and 4 steps.
    """
    keras = import_keras()
    layers = keras.layers
    encoder_inputs = keras.Input(shape=(5, 3), name="encoder_inputs")
    decoder_inputs = keras.Input(shape=(4, 3), name="decoder_inputs")
    _, forward_h, forward_c, backward_h, backward_c = layers.Bidirectional(
        layers.LSTM(6, return_state=True, name="encoder_lstm"), name="encoder")(encoder_inputs)
    decoded = layers.Bidirectional(layers.LSTM(6, return_sequences=True, name="decoder_lstm"), name="decoder")(
        decoder_inputs, initial_state=[forward_h, forward_c, backward_h, backward_c])
    outputs = layers.Dense(5, activation="softmax", name="next_token")(decoded)
    return keras.Model([encoder_inputs, decoder_inputs], outputs, name="bidirectional_handoff")


def luong_attention() -> keras.Model:
    """Luong's dot attention in a seq2seq: the decoder starts from the encoder's last
    output; each decoder step scores every encoder step (Dot), weighs them (softmax,
    Dot) into a context that is joined with the decoder output.

    Source: Wanasit Tanakitrungruang, "Attention-based Sequence-to-Sequence in Keras"
    (wanasit.github.io, and github.com/wanasit/katakana). Changed: 6 source and 5 target
    characters, 8 units instead of 64, ``encoder[:, -1, :]`` written as a Lambda, and the
    source embedding without ``mask_zero`` (the Lambda would drop the mask with a warning).
    """
    keras = import_keras()
    layers = keras.layers
    encoder_input = keras.Input(shape=(6,), name="encoder_input")
    decoder_input = keras.Input(shape=(5,), name="decoder_input")
    encoder = layers.Embedding(20, 8, name="encoder_embedding")(encoder_input)
    encoder = layers.LSTM(8, return_sequences=True, name="encoder_lstm")(encoder)
    encoder_last = layers.Lambda(lambda seq: seq[:, -1, :], output_shape=(8,), name="encoder_last")(encoder)
    decoder = layers.Embedding(16, 8, mask_zero=True, name="decoder_embedding")(decoder_input)
    decoder = layers.LSTM(8, return_sequences=True, name="decoder_lstm")(
        decoder, initial_state=[encoder_last, encoder_last])
    attention = layers.Dot(axes=[2, 2], name="attention_score")([decoder, encoder])
    attention = layers.Activation("softmax", name="attention")(attention)
    context = layers.Dot(axes=[2, 1], name="context")([attention, encoder])
    combined = layers.Concatenate(name="combined_context")([context, decoder])
    output = layers.TimeDistributed(layers.Dense(8, activation="tanh", name="tanh_dense"),
                                    name="attention_vector")(combined)
    output = layers.TimeDistributed(layers.Dense(16, activation="softmax", name="softmax_dense"),
                                    name="output")(output)
    return keras.Model([encoder_input, decoder_input], output, name="luong_attention")


def deepspeech2() -> keras.Model:
    """DeepSpeech2 for speech recognition: two convolutions over the spectrogram, then five
    Bidirectional GRUs with a Dropout after each but the last; the last four
    [Dropout, Bidirectional GRU] pairs read what the pair before returns, alike, and are
    drawn once, "× 4" (``fold_repeats``).

    Source: keras-io, "Automatic Speech Recognition using CTC" (keras.io/examples/audio/ctc_asr/,
    ``build_model``: ``expand_dim``, ``conv_1`` [11, 41] stride 2 and ``conv_2`` [11, 21]
    stride [1, 2] with BatchNormalization and ReLU, a Reshape to (time, features),
    ``rnn_layers=5`` Bidirectional GRUs (reset_after=True, merge_mode concat) with Dropout
    between, ``dense_1``, ReLU, Dropout and a softmax ``output``; model ``DeepSpeech_2``).
    Changed: 50 frames of 16 spectrogram bins instead of any number of 193, kernels [11, 9]
    and [11, 5], 6 filters instead of 32, 8 units instead of 512, 11 output classes, the
    model named ``deepspeech2``.
    """
    keras = import_keras()
    layers = keras.layers
    spectrogram = keras.Input((50, 16), name="input")
    x = layers.Reshape((-1, 16, 1), name="expand_dim")(spectrogram)
    x = layers.Conv2D(6, [11, 9], strides=[2, 2], padding="same", use_bias=False, name="conv_1")(x)
    x = layers.BatchNormalization(name="conv_1_bn")(x)
    x = layers.ReLU(name="conv_1_relu")(x)
    x = layers.Conv2D(6, [11, 5], strides=[1, 2], padding="same", use_bias=False, name="conv_2")(x)
    x = layers.BatchNormalization(name="conv_2_bn")(x)
    x = layers.ReLU(name="conv_2_relu")(x)
    x = layers.Reshape((-1, 4 * 6), name="to_sequence")(x)
    for i in range(1, 6):
        gru = layers.GRU(8, return_sequences=True, reset_after=True, name=f"gru_{i}")
        x = layers.Bidirectional(gru, merge_mode="concat", name=f"bidirectional_{i}")(x)
        if i < 5:
            x = layers.Dropout(0.5, name=f"dropout_{i}")(x)
    x = layers.Dense(16, name="dense_1")(x)
    x = layers.ReLU(name="dense_1_relu")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    output = layers.Dense(11, activation="softmax", name="output")(x)
    return keras.Model(spectrogram, output, name="deepspeech2")


EXAMPLES: Tuple[Example, ...] = (
    Example("siamese_lstm", "Siamese LSTM (one layer, two inputs)",
            "One Embedding and one LSTM are called on both questions: each call reads its "
            "own input, and a distance layer joins them.", siamese_lstm),
    Example("ocr_gru_pair", "Forward and backward GRUs added",
            "Two GRUs read the same sequence, one of them backwards, over the same time axis; "
            "Add merges them step by step.", ocr_gru_pair),
    Example("memory_network", "End-to-end memory network",
            "The story is embedded twice and matched with the question; an LSTM reads the "
            "weighted response joined with the question.", memory_network),
    Example("seq2seq_inference_decoder", "Decoder at inference: states in and out",
            "h and c are model Inputs drawn once, where they enter the LSTM; the LSTM's "
            "output and its new states are the model's three outputs.", seq2seq_inference_decoder),
    Example("nmt_encoder", "Encoder with a sequence and a state as outputs",
            "A GRU returns its whole sequence and its last state, each marked with the "
            "output name it is given.", nmt_encoder),
    Example("bidirectional_handoff", "Bidirectional states into a Bidirectional decoder",
            "The encoder's forward and backward final states start the decoder's forward "
            "and backward rows, each hand-off captioned once.", bidirectional_handoff),
    Example("luong_attention", "Luong attention",
            "Each decoder step scores every encoder step, weighs them into a context and "
            "joins it with its own output.", luong_attention),
    Example("deepspeech2", "DeepSpeech2: a deep stack drawn once",
            "Convolutions over a spectrogram, then five Bidirectional GRUs with Dropout between: "
            "the last four [Dropout, GRU] pairs are alike and drawn once, × 4.", deepspeech2),
)
