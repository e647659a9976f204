        public static double FallBackward(double w, double y0, ref double dW, ref double dY0, double seed = 1.0)
        {
            double[] _saved_ax = global::System.Array.Empty<double>();
            double[] _saved_ay = global::System.Array.Empty<double>();
            double[] _saved_aw = global::System.Array.Empty<double>();
            double[] _saved_x = global::System.Array.Empty<double>();
            double[] _saved_y = global::System.Array.Empty<double>();
            double[] _d_potentialGradient = global::System.Array.Empty<double>();
            try
            {
                // forward sweep
                double ax = 0;
                double ay = 0;
                double aw = 0;
                double[] _potentialGradient = null!;
                double here = 0;
                double x = 0;
                double y = y0;
                double vx = 0.5;
                double vy = 0;
                double energy = 0;
                _saved_ax = global::Backprop.CompilerServices.Buffers.RentSaves<double>(6);
                _saved_ay = global::Backprop.CompilerServices.Buffers.RentSaves<double>(6);
                _saved_aw = global::Backprop.CompilerServices.Buffers.RentSaves<double>(6);
                _saved_x = global::Backprop.CompilerServices.Buffers.RentSaves<double>(6);
                _saved_y = global::Backprop.CompilerServices.Buffers.RentSaves<double>(6);
                for (int step = 0; step < 6; step++)
                {
                    ax = 0;
                    ay = 0;
                    aw = 0;
                    _potentialGradient = new double[4];
                    _d_potentialGradient = global::Backprop.CompilerServices.Buffers.Grow(_d_potentialGradient, _potentialGradient.Length);
                    global::Samples.Field.PotentialNestedGradient(x, y, w, 1.0, ax, ay, aw, _potentialGradient);
                    _saved_ax[step] = ax;
                    ax = _potentialGradient[1];
                    _saved_ay[step] = ay;
                    ay = _potentialGradient[2];
                    _saved_aw[step] = aw;
                    aw = _potentialGradient[3];
                    here = _potentialGradient[0];
                    energy += here;
                    vx -= 0.1 * ax;
                    vy -= 0.1 * ay;
                    _saved_x[step] = x;
                    x += 0.1 * vx;
                    _saved_y[step] = y;
                    y += 0.1 * vy + 0.01 * aw;
                }
                double _result = x * x + y + 0.1 * energy;

                // reverse sweep
                double _d_vx = 0.0;
                double _d_vy = 0.0;
                double _d_ax = 0.0;
                double _d_ay = 0.0;
                double _d_w = 0.0;
                double _discard0 = 0.0;

                // return x * x + y + 0.1 * energy;
                double _d_x = 2.0 * seed * x;
                double _d_y = seed;
                double _d_energy = seed * 0.1;

                // for (int step = 0; step < 6; step++)
                for (int step = 5; step >= 0; step--)
                {
                    // y += 0.1 * vy + 0.01 * aw;
                    y = _saved_y[step];
                    _d_vy += _d_y * 0.1;
                    double _d_aw = _d_y * 0.01;

                    // x += 0.1 * vx;
                    x = _saved_x[step];
                    _d_vx += _d_x * 0.1;

                    // vy -= 0.1 * ay;
                    _d_ay -= _d_vy * 0.1;

                    // vx -= 0.1 * ax;
                    _d_ax -= _d_vx * 0.1;

                    // energy += here;
                    double _d_here = _d_energy;

                    // double here = Field.PotentialBackward(x, y, w, ref ax, ref ay, ref aw);
                    _d_potentialGradient[0] += _d_here;

                    // Field.PotentialBackward(x, y, w, ref ax, ref ay, ref aw)
                    aw = _saved_aw[step];
                    _d_potentialGradient[3] += _d_aw;
                    _d_aw = 0.0;
                    ay = _saved_ay[step];
                    _d_potentialGradient[2] += _d_ay;
                    _d_ay = 0.0;
                    ax = _saved_ax[step];
                    _d_potentialGradient[1] += _d_ax;
                    _d_ax = 0.0;
                    global::Samples.Field.PotentialNestedGradientPullback(x, y, w, 1.0, ax, ay, aw, _potentialGradient, ref _d_x, ref _d_y, ref _d_w, ref _discard0, ref _d_ax, ref _d_ay, ref _d_aw, _d_potentialGradient);
                    global::System.Array.Clear(_d_potentialGradient, 0, _potentialGradient.Length);

                    // double ax = 0, ay = 0, aw = 0;
                    _d_ay = 0.0;
                    _d_ax = 0.0;
                }

                // double x = 0, y = y0, vx = 0.5, vy = 0, energy = 0;
                dY0 += _d_y;

                // back to the caller
                dW += _d_w;
                return _result;
            }
            finally
            {
                global::Backprop.CompilerServices.Buffers.ReturnSaves(_saved_ax);
                global::Backprop.CompilerServices.Buffers.ReturnSaves(_saved_ay);
                global::Backprop.CompilerServices.Buffers.ReturnSaves(_saved_aw);
                global::Backprop.CompilerServices.Buffers.ReturnSaves(_saved_x);
                global::Backprop.CompilerServices.Buffers.ReturnSaves(_saved_y);
                global::Backprop.CompilerServices.Buffers.Return(_d_potentialGradient);
            }
        }