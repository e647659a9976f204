        public static double FlightBackward(global::Samples.V2 p0, global::Samples.V2 v0, double drag, int steps, ref global::Samples.V2 dP0, ref global::Samples.V2 dV0, ref double dDrag, double seed = 1.0)
        {
            var _saved_vel_X = new global::Backprop.CompilerServices.ValueStack<double>();
            var _saved_vel_Y = new global::Backprop.CompilerServices.ValueStack<double>();
            double[] _d_path_X = global::System.Array.Empty<double>();
            double[] _d_path_Y = global::System.Array.Empty<double>();
            double[] _d_vel_X = global::System.Array.Empty<double>();
            double[] _d_vel_Y = global::System.Array.Empty<double>();
            double[] path_X = global::System.Array.Empty<double>();
            double[] path_Y = global::System.Array.Empty<double>();
            double[] vel_X = global::System.Array.Empty<double>();
            double[] vel_Y = global::System.Array.Empty<double>();
            try
            {
                // forward sweep
                double q_X = 0;
                double q_Y = 0;
                int pathLength = steps + 1;
                path_X = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(pathLength);
                _d_path_X = global::Backprop.CompilerServices.Buffers.Grow(_d_path_X, path_X.Length);
                path_Y = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(pathLength);
                _d_path_Y = global::Backprop.CompilerServices.Buffers.Grow(_d_path_Y, path_Y.Length);
                vel_X = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(2);
                _d_vel_X = global::Backprop.CompilerServices.Buffers.Grow(_d_vel_X, vel_X.Length);
                vel_Y = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(2);
                _d_vel_Y = global::Backprop.CompilerServices.Buffers.Grow(_d_vel_Y, vel_Y.Length);
                vel_X[0] = v0.X;
                vel_Y[0] = v0.Y;
                vel_X[1] = 0.0;
                vel_Y[1] = 0.0;
                path_X[0] = p0.X;
                path_Y[0] = p0.Y;
                _saved_vel_X.Reserve(path_X.Length - 1);
                _saved_vel_Y.Reserve(path_X.Length - 1);
                for (int t = 1; t < path_X.Length; t++)
                {
                    _saved_vel_X.Push(vel_X[1]);
                    vel_X[1] = vel_X[0] * (1 - drag);
                    _saved_vel_Y.Push(vel_Y[1]);
                    vel_Y[1] = vel_Y[0] * (1 - drag) - 0.1;
                    path_X[t] = path_X[t - 1] + 0.1 * vel_X[1];
                    path_Y[t] = path_Y[t - 1] + 0.1 * vel_Y[1];
                    _saved_vel_X.Push(vel_X[0]);
                    vel_X[0] = vel_X[1];
                    _saved_vel_Y.Push(vel_Y[0]);
                    vel_Y[0] = vel_Y[1];
                }
                double s = 0;
                for (int _q_at = 0; _q_at < path_X.Length; _q_at++)
                {
                    q_X = path_X[_q_at];
                    q_Y = path_Y[_q_at];
                    s += q_X * q_Y;
                }
                double _saved_path_X_0 = path_X[steps];
                path_X[steps] *= 2;
                double _result = s + path_X[steps];

                // reverse sweep
                double _d_drag = 0.0;

                // return s + path[steps].X;
                double _d_s = seed;
                _d_path_X[steps] += seed;

                // path[steps].X *= 2;
                double _g10 = _d_path_X[steps];
                _d_path_X[steps] = 0.0;
                path_X[steps] = _saved_path_X_0;
                _d_path_X[steps] += _g10 * 2.0;

                // foreach (V2 q in path)
                for (int _q_at = path_X.Length - 1; _q_at >= 0; _q_at--)
                {
                    // s += q.X * q.Y;
                    double _d_q_X = _d_s * path_Y[_q_at];
                    double _d_q_Y = _d_s * path_X[_q_at];

                    // foreach (V2 q in path)
                    _d_path_Y[_q_at] += _d_q_Y;
                    _d_path_X[_q_at] += _d_q_X;
                }

                // for (int t = 1; t < path.Length; t++)
                for (int t = path_X.Length - 1; t >= 1; t--)
                {
                    // vel[0] = vel[1];
                    double _g9 = _d_vel_Y[0];
                    _d_vel_Y[0] = 0.0;
                    vel_Y[0] = _saved_vel_Y.Pop();
                    _d_vel_Y[1] += _g9;
                    double _g8 = _d_vel_X[0];
                    _d_vel_X[0] = 0.0;
                    vel_X[0] = _saved_vel_X.Pop();
                    _d_vel_X[1] += _g8;

                    // path[t] = path[t - 1] + 0.1 * vel[1];
                    double _g7 = _d_path_Y[t];
                    _d_path_Y[t] = 0.0;
                    _d_path_Y[t - 1] += _g7;
                    _d_vel_Y[1] += _g7 * 0.1;
                    double _g6 = _d_path_X[t];
                    _d_path_X[t] = 0.0;
                    _d_path_X[t - 1] += _g6;
                    _d_vel_X[1] += _g6 * 0.1;

                    // vel[1] = new V2(vel[0].X * (1 - drag), vel[0].Y * (1 - drag) - 0.1);
                    double _g5 = _d_vel_Y[1];
                    _d_vel_Y[1] = 0.0;
                    vel_Y[1] = _saved_vel_Y.Pop();
                    _d_vel_Y[0] += _g5 * (1.0 - drag);
                    _d_drag -= _g5 * vel_Y[0];
                    double _g4 = _d_vel_X[1];
                    _d_vel_X[1] = 0.0;
                    vel_X[1] = _saved_vel_X.Pop();
                    _d_vel_X[0] += _g4 * (1.0 - drag);
                    _d_drag -= _g4 * vel_X[0];
                }

                // path[0] = p0;
                double _g3 = _d_path_Y[0];
                _d_path_Y[0] = 0.0;
                double _d_p0_Y = _g3;
                double _g2 = _d_path_X[0];
                _d_path_X[0] = 0.0;
                double _d_p0_X = _g2;

                // var vel = new V2[] { v0, default };
                _d_vel_Y[1] = 0.0;
                _d_vel_X[1] = 0.0;
                double _g1 = _d_vel_Y[0];
                _d_vel_Y[0] = 0.0;
                double _d_v0_Y = _g1;
                double _g0 = _d_vel_X[0];
                _d_vel_X[0] = 0.0;
                double _d_v0_X = _g0;

                // back to the caller
                dDrag += _d_drag;
                dP0 = dP0 with { X = dP0.X + _d_p0_X, Y = dP0.Y + _d_p0_Y };
                dV0 = dV0 with { X = dV0.X + _d_v0_X, Y = dV0.Y + _d_v0_Y };
                return _result;
            }
            finally
            {
                _saved_vel_X.Dispose();
                _saved_vel_Y.Dispose();
                global::Backprop.CompilerServices.Buffers.Return(_d_path_X);
                global::Backprop.CompilerServices.Buffers.Return(_d_path_Y);
                global::Backprop.CompilerServices.Buffers.Return(_d_vel_X);
                global::Backprop.CompilerServices.Buffers.Return(_d_vel_Y);
                global::Backprop.CompilerServices.Buffers.Return(path_X);
                global::Backprop.CompilerServices.Buffers.Return(path_Y);
                global::Backprop.CompilerServices.Buffers.Return(vel_X);
                global::Backprop.CompilerServices.Buffers.Return(vel_Y);
            }
        }