        public static double FitBackward(double[] x, int n, double[]? dX, double seed = 1.0)
        {
            global::Backprop.CompilerServices.Buffers.CheckShape(dX, x.Length, "dX", "x");
            global::Backprop.CompilerServices.Aliasing.Check<double>(dX, "dX", "x", x);

            double[] _saved_t = global::System.Array.Empty<double>();
            double[] _saved_power = global::System.Array.Empty<double>();
            double[] _saved_residual = global::System.Array.Empty<double>();
            try
            {
                // forward sweep
                double t = 0;
                double fit = 0;
                double power = 0;
                double residual = 0;
                double sum = 0;
                _saved_t = global::Backprop.CompilerServices.Buffers.RentSaves<double>(n);
                _saved_power = global::Backprop.CompilerServices.Buffers.RentSaves<double>(n);
                _saved_residual = global::Backprop.CompilerServices.Buffers.RentSaves<double>(n);
                for (int i = 0; i < n; i++)
                {
                    _saved_t[i] = t;
                    t = -1 + 2.0 * i / (n - 1);
                    fit = 0;
                    power = 1;
                    _saved_power[i] = power;
                    for (int j = 0; j < x.Length; j++)
                    {
                        fit += x[j] * power;
                        power *= t;
                    }
                    _saved_residual[i] = residual;
                    residual = global::System.Math.Sign(t) - fit;
                    sum += residual * residual;
                }
                double _result = 0.5 * sum;

                // reverse sweep
                double _d_fit = 0.0;

                // return 0.5 * sum;
                double _d_sum = seed * 0.5;

                // for (int i = 0; i < n; i++)
                for (int i = n - 1; i >= 0; i--)
                {
                    // sum += residual * residual;
                    double _d_residual = 2.0 * _d_sum * residual;

                    // double residual = Math.Sign(t) - fit;
                    residual = _saved_residual[i];
                    _d_fit -= _d_residual;

                    // for (int j = 0; j < x.Length; j++) (its iterations' reverses are independent: run first to last, computing power again)
                    power = _saved_power[i];
                    for (int j = 0; j < x.Length; j++)
                    {
                        // fit += x[j] * power;
                        if (dX != null)
                        {
                            dX[j] += _d_fit * power;
                        }

                        // power *= t;
                        power *= t;
                    }

                    // double fit = 0, power = 1;
                    _d_fit = 0.0;

                    // double t = -1 + 2.0 * i / (n - 1);
                    t = _saved_t[i];
                }
                return _result;
            }
            finally
            {
                global::Backprop.CompilerServices.Buffers.ReturnSaves(_saved_t);
                global::Backprop.CompilerServices.Buffers.ReturnSaves(_saved_power);
                global::Backprop.CompilerServices.Buffers.ReturnSaves(_saved_residual);
            }
        }