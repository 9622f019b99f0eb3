"""A corpus of hostile and broken uploads, generated here; each must raise InvalidInputError, name its
problem, and write nothing. The file builders are shared with the other tests in tests/builders.py."""

from __future__ import annotations

import json
import pickle
import stat
import struct
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

import latent_core
from latent_core import InvalidInputError
from tests.builders import (
    CreatesFile,
    image_bytes,
    noise,
    npy_bytes,
    npy_declaring,
    png_header,
    snapshot,
    tiny_checkpoint,
    write_zip,
    zip_folder,
)


def symlink_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


# Each case: builder(tmp) -> (path, loader); the loader is called on the path and must refuse it.
def case_zip_slip(tmp):
    return write_zip(
        tmp / "slip.zip", {"ok.png": image_bytes(noise((8, 8))), "../evil.png": image_bytes(noise((8, 8)))}
    ), "dataset"


def case_zip_absolute(tmp):
    return write_zip(tmp / "abs.zip", {"/tmp/evil.png": image_bytes(noise((8, 8)))}), "dataset"


def case_zip_drive(tmp):
    return write_zip(tmp / "drive.zip", {"C:/evil.png": image_bytes(noise((8, 8)))}), "dataset"


def case_zip_symlink(tmp):
    return write_zip(
        tmp / "link.zip", {"a.png": image_bytes(noise((8, 8))), symlink_info("b.png"): b"/etc/passwd"}
    ), "dataset"


def case_zip_bomb(tmp):
    return write_zip(
        tmp / "bomb.zip", {"a.png": image_bytes(noise((8, 8))), "zeros.bmp": b"\0" * (3 * 2**20)}
    ), "dataset"


def case_zip_lying_header(tmp):
    path = write_zip(
        tmp / "liar.zip",
        {"a.png": image_bytes(noise((8, 8))), "b.png": image_bytes(noise((8, 8), 1))},
        zipfile.ZIP_STORED,
    )
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x01\x02")  # the last central-directory record: declare 10 bytes fewer than stored
    size = struct.unpack_from("<I", data, at + 24)[0]
    struct.pack_into("<I", data, at + 24, size - 10)
    path.write_bytes(bytes(data))
    return path, "dataset"


def case_empty_archive(tmp):
    return write_zip(tmp / "empty.zip", {}), "dataset"


def case_decompression_bomb_png(tmp):
    path = tmp / "bomb.png"
    path.write_bytes(png_header(50_000, 50_000))
    return path, "dataset"


def case_truncated_png(tmp):
    path = tmp / "cut.png"
    path.write_bytes(image_bytes(noise((32, 32)))[:-40])
    return path, "dataset"


def case_truncated_jpeg(tmp):
    path = tmp / "cut.jpg"
    data = image_bytes(noise((64, 64, 3)), "JPEG")
    path.write_bytes(data[: len(data) // 2])
    return path, "dataset"


def case_text_named_png(tmp):
    path = tmp / "notes.png"
    path.write_text("this is not an image\n")
    return path, "dataset"


def case_single_image(tmp):
    path = tmp / "one.png"
    path.write_bytes(image_bytes(noise((8, 8))))
    return path, "dataset"


def case_npy_huge_shape(tmp):
    path = tmp / "huge.npy"
    path.write_bytes(npy_declaring((10**6, 10**6)))
    return path, "dataset"


def case_npy_object_dtype(tmp):
    path = tmp / "objects.npy"
    path.write_bytes(npy_declaring((2,), "|O"))
    return path, "dataset"


def case_npy_nan(tmp):
    array = np.zeros((5, 8, 8), np.float32)
    array[3, 1, 1] = np.nan
    path = tmp / "nan.npy"
    path.write_bytes(npy_bytes(array))
    return path, "dataset"


def case_npy_wrong_magic(tmp):
    path = tmp / "fake.npy"
    path.write_text("1,2,3\n")
    return path, "dataset"


def case_npz_huge_member(tmp):
    return write_zip(tmp / "huge.npz", {"images.npy": npy_declaring((10**5, 10**5, 10**3), "|u1")}), "dataset"


def case_csv_ragged(tmp):
    path = tmp / "ragged.csv"
    path.write_text("x,y,label\n1,2,a\n3,b\n")
    return path, "embeddings"


def case_csv_not_utf8(tmp):
    path = tmp / "latin.csv"
    path.write_bytes("x,y,label\n1,2,caf\u00e9\n".encode("latin-1"))
    return path, "embeddings"


def case_pickle_model_pt(tmp):
    path = tmp / "model.pt"
    path.write_bytes(pickle.dumps(CreatesFile(tmp / "pwned")))
    return path, "model"


def case_pickle_pkl(tmp):
    path = tmp / "weights.pkl"
    path.write_bytes(pickle.dumps(CreatesFile(tmp / "pwned")))
    return path, "model"


def case_pickle_as_safetensors(tmp):
    folder = tiny_checkpoint(tmp / "ckpt")
    (folder / "model.safetensors").write_bytes(pickle.dumps(CreatesFile(tmp / "pwned")))
    return folder, "model"


def case_pickle_in_zip_checkpoint(tmp):
    folder = tiny_checkpoint(tmp / "ckpt")
    (folder / "model.safetensors").write_bytes(pickle.dumps(CreatesFile(tmp / "pwned")))
    return zip_folder(folder, tmp / "ckpt.zip"), "model"


def case_weights_do_not_match_config(tmp):
    folder = tiny_checkpoint(tmp / "ckpt")
    config = json.loads((folder / "config.json").read_text())
    config["architecture"]["latent_dim"] = 3
    (folder / "config.json").write_text(json.dumps(config))
    return zip_folder(folder, tmp / "mismatch.zip"), "model"


CORPUS = {
    case_zip_slip: r"entry '\.\./evil\.png' climbs out of the archive with '\.\.'",
    case_zip_absolute: r"'/tmp/evil\.png' has an absolute path",
    case_zip_drive: r"'C:/evil\.png' has an absolute path",
    case_zip_symlink: r"'b\.png' is a symbolic link",
    case_zip_bomb: (
        r"zip bomb: its entry 'zeros\.bmp' inflates [\d,]+ times, "
        r"over the limit of 200 \(set LATENT_MAX_ZIP_RATIO"
    ),
    case_zip_lying_header: r"'b\.png' could not be read \(Bad CRC-32",
    case_empty_archive: r"'empty\.zip' holds 0 usable image\(s\); at least 2 are needed \(set LATENT_MIN_IMAGES",
    case_decompression_bomb_png: r"Image 'bomb\.png' .*(decompression bomb|50000x50000).*LATENT_MAX_PIXELS_PER_IMAGE",
    case_truncated_png: (
        r"'cut\.png' holds 0 usable image\(s\) "
        r"\(1 file\(s\) skipped: cut\.png \(is truncated or corrupt"
    ),
    case_truncated_jpeg: (
        r"'cut\.jpg' holds 0 usable image\(s\) "
        r"\(1 file\(s\) skipped: cut\.jpg \(is truncated or corrupt"
    ),
    case_text_named_png: r"Refused 'notes\.png': it is named '\.png' but its content is text",
    case_single_image: r"'one\.png' holds 1 usable image\(s\); at least 2 are needed",
    case_npy_huge_shape: (
        r"Array 'huge\.npy' declares shape \(1000000, 1000000\) of float64, [\d,.]+ MB, "
        r"over the limit of 2,048\.0 MB \(set LATENT_MAX_ARRAY_BYTES"
    ),
    case_npy_object_dtype: r"Array 'objects\.npy' holds Python objects, which are stored as pickles",
    case_npy_nan: r"Images for 'nan\.npy' contain 1 NaN or infinite values \(first in image 3\)",
    case_npy_wrong_magic: r"Refused 'fake\.npy': it is named '\.npy' but its content is text",
    case_npz_huge_member: r"Array 'images\.npy' declares shape \(100000, 100000, 1000\) of uint8",
    case_csv_ragged: r"File 'ragged\.csv' is ragged: line 3 has 2 fields but line 1 has 3",
    case_csv_not_utf8: r"File 'latin\.csv' is not UTF-8 text \(byte 0xe9 at offset 17\)",
    case_pickle_model_pt: r"Refused 'model\.pt': it is a pickle file, which can run code",
    case_pickle_pkl: r"Refused 'weights\.pkl': it is a pickle file, which can run code",
    case_pickle_as_safetensors: r"Weights file 'model\.safetensors' is a pickle file, which can run code",
    case_pickle_in_zip_checkpoint: r"Weights file 'model\.safetensors' is a pickle file, which can run code",
    case_weights_do_not_match_config: r"Weights in 'mismatch\.zip' do not match its config\.json \(decoder",
}
LOADERS = {
    "dataset": latent_core.load_dataset,
    "embeddings": latent_core.load_embeddings,
    "model": latent_core.load_model,
}


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """Inputs go in tmp/in; the system temp folder becomes tmp/system-tmp, which must stay empty."""
    (tmp_path / "in").mkdir()
    (tmp_path / "system-tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "system-tmp"))
    return tmp_path


@pytest.mark.parametrize("build", list(CORPUS), ids=lambda f: f.__name__[5:])
def test_bad_input_is_refused_and_writes_nothing(build, sandbox):
    path, loader = build(sandbox / "in")
    before = snapshot(sandbox)
    with pytest.raises(InvalidInputError, match=CORPUS[build]) as info:
        LOADERS[loader](path)
    assert type(info.value) is InvalidInputError and "\n" not in str(info.value)
    assert snapshot(sandbox) == before, "the loader wrote files"
    assert not any((sandbox / "system-tmp").iterdir())
    assert not (sandbox / "evil.png").exists() and not Path("/tmp/evil.png").exists()
    assert not (sandbox / "in" / "pwned").exists(), "a pickle was executed"
