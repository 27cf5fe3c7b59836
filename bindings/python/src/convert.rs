//! Conversion between Rust values and Python objects.
//!
//! Responses leave Rust in the serde form of the core's models, so amounts stay integers and
//! times stay RFC 3339 strings. `papay/models.py` turns those into dataclasses with `datetime`
//! values. [`serialize_to_py`] builds the Python objects straight from `Serialize`, without a
//! `serde_json::Value` in between; the JSON helpers serve values that already are JSON.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::Serialize;
use serde_json::{Map, Number, Value};

use crate::errors::internal_error;

/// Converts a core model to the Python objects of its serde form: dicts, lists, ints, floats,
/// strings, bools and None.
pub fn serialize_to_py<T: Serialize + ?Sized>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    pythonize::pythonize(py, value)
        .map(Bound::unbind)
        .map_err(|e| internal_error(format!("cannot convert the response model to Python objects: {e}")))
}

/// Converts a JSON value to `None`, `bool`, `int`, `float`, `str`, `list` or `dict`.
pub fn json_to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any().unbind()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, json_to_py(py, item)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// Converts a Python object made of `None`, `bool`, `int`, `float`, `str`, lists, tuples and
/// dicts with string keys to JSON. `what` names the argument in the error.
pub fn py_to_json(what: &str, object: &Bound<'_, PyAny>) -> PyResult<Value> {
    if object.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = object.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if object.is_instance_of::<PyInt>() {
        if let Ok(i) = object.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        let u: u64 = object.extract()?;
        return Ok(Value::Number(u.into()));
    }
    if object.is_instance_of::<PyFloat>() {
        let f: f64 = object.extract()?;
        return Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| PyTypeError::new_err(format!("{what}: {f} is not a finite number")));
    }
    if let Ok(s) = object.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(dict) = object.cast::<PyDict>() {
        let mut map = Map::new();
        for (key, item) in dict.iter() {
            let key: String =
                key.extract().map_err(|_| PyTypeError::new_err(format!("{what}: dict keys must be str")))?;
            map.insert(key, py_to_json(what, &item)?);
        }
        return Ok(Value::Object(map));
    }
    if object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for item in object.try_iter()? {
            items.push(py_to_json(what, &item?)?);
        }
        return Ok(Value::Array(items));
    }
    Err(PyTypeError::new_err(format!(
        "{what}: cannot convert {} to JSON; use None, bool, int, float, str, list or dict",
        object.get_type().name()?
    )))
}
