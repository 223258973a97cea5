"""fplate - Python clients of the fplated daemon (installed by `make install`).

    from fplate.subscribe import frames          # decoded force frames (numpy)
    for header, values, missed in frames("tcp://127.0.0.1:5555"):
        print(header["first_sample"], values[:, 0, 2].mean(), missed)

    from fplate.fplatectl import Control         # the control socket (JSON)
    print(Control().request("describe")["stream"])

values is [sample, plate, field] with the fields of FIELDS
(fx fy fz N, mx my mz N.m, cop_x cop_y mm, tz N.m); docs/wire-format.md.
Needs Debian's python3-numpy and python3-zmq.
"""
