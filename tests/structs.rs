//! `#[derive(Differentiable)]` structs as parameters: fields read in
//! arithmetic, indexed, iterated and passed to calls, nested structs,
//! constant fields, and a struct passed whole to another differentiated
//! function — gradients of the struct's shape, against central differences.

mod common;
use autodiff::{differentiate, Adjoint, Differentiable};
use common::check;

#[derive(Differentiable, Clone, Debug, PartialEq)]
struct Affine {
    w: Vec<f64>,
    b: f64,
}

#[derive(Differentiable, Clone, Debug, PartialEq)]
struct Model {
    layer: Affine,
    scale: [f64; 2],
    /// A constant: kept in the gradient, never differentiated.
    steps: usize,
}

impl Model {
    fn flat(&self) -> Vec<f64> {
        let mut v = self.layer.w.clone();
        v.push(self.layer.b);
        v.extend(self.scale);
        v
    }

    fn with_flat(&self, p: &[f64]) -> Model {
        let n = self.layer.w.len();
        Model {
            layer: Affine {
                w: p[..n].to_vec(),
                b: p[n],
            },
            scale: [p[n + 1], p[n + 2]],
            steps: self.steps,
        }
    }
}

/// An `Affine` with three weights as `[w.., b]`, and back.
fn flat(a: &Affine) -> Vec<f64> {
    let mut v = a.w.clone();
    v.push(a.b);
    v
}

fn unflat(v: &[f64]) -> Affine {
    Affine {
        w: v[..3].to_vec(),
        b: v[3],
    }
}

#[differentiate(wrt(a))]
fn affine(a: &Affine, x: &[f64]) -> f64 {
    let mut z = a.b;
    for i in 0..x.len() {
        z += a.w[i] * x[i];
    }
    z
}

#[differentiate(wrt(p))]
fn fields(p: &Affine, x: &[f64]) -> f64 {
    let z = p.w.iter().zip(x).map(|(w, xi)| w * xi).sum::<f64>() + p.b;
    z.tanh() + p.w[0] * p.b
}

#[test]
fn fields_of_a_flat_struct() {
    let p = Affine {
        w: vec![0.5, -0.3, 0.8],
        b: 0.1,
    };
    let x = [1.0, 2.0, -1.5];
    let (v, g) = fields_grad(&p, &x);
    assert_eq!(v, fields(&p, &x));
    check(|q| fields(&unflat(q), &x), &flat(&p), &flat(&g));
}

#[differentiate(wrt(m))]
fn nested(m: &Model, x: &[f64], target: f64) -> f64 {
    let mut total = 0.0;
    for _ in 0..m.steps {
        // The whole inner struct to a call, by reference.
        let z = affine(&m.layer, x) * m.scale[0];
        let e = z + m.scale[1] * m.layer.b - target;
        total += e * e;
    }
    total / m.steps as f64
}

#[test]
fn nested_structs_constant_fields_and_calls() {
    let m = Model {
        layer: Affine {
            w: vec![0.2, -0.7],
            b: 0.3,
        },
        scale: [1.5, -0.5],
        steps: 3,
    };
    let (x, target) = ([0.9, 1.4], 0.25);
    let (v, g) = nested_grad(&m, &x, target);
    assert_eq!(v, nested(&m, &x, target));
    assert_eq!(g.steps, 3, "constant fields are kept");
    check(
        |p| nested(&m.with_flat(p), &x, target),
        &m.flat(),
        &g.flat(),
    );
}

/// The struct passed whole, by value and by reference, mixed with slices.
#[differentiate(wrt(a, x))]
fn whole(a: &Affine, x: &[f64]) -> f64 {
    let first = affine(a, x);
    let y = vec![x[0] * first, x[1], x[2]];
    first + affine(a, &y).sin()
}

#[test]
fn structs_passed_whole_to_calls() {
    let a = Affine {
        w: vec![0.4, -0.1, 0.6],
        b: -0.2,
    };
    let x = [0.7, -1.3, 0.5];
    let (v, (ga, gx)) = whole_grad(&a, &x);
    assert_eq!(v, whole(&a, &x));
    let unflat = |v: &[f64]| Affine {
        w: v[..3].to_vec(),
        b: v[3],
    };
    let mut flat = a.w.clone();
    flat.push(a.b);
    let mut gflat = ga.w.clone();
    gflat.push(ga.b);
    check(|q| whole(&unflat(q), &x), &flat, &gflat);
    check(|q| whole(&a, q), &x, &gx);
}

#[test]
fn gradients_accumulate_and_reset_like_buffers() {
    let a = Affine {
        w: vec![1.0, 2.0],
        b: 3.0,
    };
    let mut g = a.zero_grad();
    assert_eq!(g.w, vec![0.0, 0.0]);
    affine_vjp(&a, &[1.0, -1.0], 2.0, &mut g);
    affine_vjp(&a, &[1.0, -1.0], 2.0, &mut g);
    assert_eq!(g.w, vec![4.0, -4.0]);
    assert_eq!(g.b, 4.0);
    g.set_zero();
    assert_eq!(g, a.zero_grad());
}

/// A struct passed to a call next to one of its own fields: the field's
/// adjoint goes through a scratch buffer, added back into the struct's.
#[differentiate(wrt(p))]
fn with_its_own_field(p: &Affine) -> f64 {
    affine(p, &p.w) * p.b
}

#[test]
fn a_struct_and_its_field_in_one_call() {
    let p = Affine {
        w: vec![0.5, -0.3, 0.8],
        b: 0.1,
    };
    let (v, g) = with_its_own_field_grad(&p);
    assert_eq!(v, with_its_own_field(&p));
    check(|q| with_its_own_field(&unflat(q)), &flat(&p), &flat(&g));
}

#[differentiate(wrt(p, q))]
fn bilinear(p: &Affine, q: &Affine) -> f64 {
    p.b * q.b + p.w[0] * q.w[1] - p.w[2] * q.w[2].sin()
}

/// The same struct passed twice to one call: the second gets a scratch
/// adjoint, added back into the struct's.
#[differentiate(wrt(p))]
fn twice(p: &Affine) -> f64 {
    let mut s = bilinear(p, p);
    for _ in 0..2 {
        s += bilinear(p, p) * p.b;
    }
    s
}

#[test]
fn a_struct_passed_twice_to_one_call() {
    let p = Affine {
        w: vec![0.5, -0.3, 0.8],
        b: 0.7,
    };
    let (v, g) = twice_grad(&p);
    assert_eq!(v, twice(&p));
    check(|q| twice(&unflat(q)), &flat(&p), &flat(&g));
}

/// A nested struct passed twice to one call.
#[differentiate(wrt(m))]
fn nested_twice(m: &Model) -> f64 {
    bilinear(&m.layer, &m.layer) * m.scale[0] + m.scale[1]
}

#[test]
fn a_nested_struct_passed_twice() {
    let m = Model {
        layer: Affine {
            w: vec![0.5, -0.3, 0.8],
            b: 0.7,
        },
        scale: [1.5, -0.5],
        steps: 3,
    };
    let (_, g) = nested_twice_grad(&m);
    check(|p| nested_twice(&m.with_flat(p)), &m.flat(), &g.flat());
}
