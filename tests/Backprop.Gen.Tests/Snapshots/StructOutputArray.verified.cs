        public static void StepBackward(global::Samples.V2[] p, double dt, global::Samples.V2[] next, global::Samples.V2[]? dP, ref double dDt, [global::Backprop.OutputAdjoint] global::Samples.V2[]? dNext)
        {
            global::Backprop.CompilerServices.Buffers.CheckShape(dP, p.Length, "dP", "p");
            global::Backprop.CompilerServices.Buffers.CheckShape(dNext, next.Length, "dNext", "next");
            global::Backprop.CompilerServices.Aliasing.Check<global::Samples.V2>(dP, "dP", "p, next, dNext", p, next, dNext);
            global::Backprop.CompilerServices.Aliasing.Check<global::Samples.V2>(dNext, "dNext", "p, next", p, next);

            // the fields of p, an array each
            double[] p_X = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(p.Length);
            double[] p_Y = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(p.Length);
            for (int _item = 0; _item < p.Length; _item++)
            {
                p_X[_item] = p[_item].X;
                p_Y[_item] = p[_item].Y;
            }
            double[] dP_X = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(p.Length);
            double[] dP_Y = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(p.Length);

            // the fields of next, an array each
            double[] next_X = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(next.Length);
            double[] next_Y = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(next.Length);
            for (int _item_2 = 0; _item_2 < next.Length; _item_2++)
            {
                next_X[_item_2] = next[_item_2].X;
                next_Y[_item_2] = next[_item_2].Y;
            }

            // the fields of dNext, an array each
            double[] dNext_X = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(next.Length);
            double[] dNext_Y = global::Backprop.CompilerServices.Buffers.RentZeroed<double>(next.Length);
            if (dNext is { Length: > 0 })
            {
                for (int _item_4 = 0; _item_4 < dNext.Length; _item_4++)
                {
                    dNext_X[_item_4] = dNext[_item_4].X;
                    dNext_Y[_item_4] = dNext[_item_4].Y;
                }
            }
            double[] _d_next_X = global::Backprop.CompilerServices.Buffers.RentCopy(dNext_X, next_X.Length);
            double[] _d_next_Y = global::Backprop.CompilerServices.Buffers.RentCopy(dNext_Y, next_Y.Length);
            try
            {
                // forward sweep
                for (int i = 0; i < p.Length; i++)
                {
                    next_X[i] = p_X[i] + dt * p_Y[i] * p_Y[i];
                    next_Y[i] = p_Y[i] - dt * p_X[i];
                }
                next_Y[0] *= 2;
                if (next is { Length: > 0 })
                {
                    // the fields back into next
                    for (int _item_3 = 0; _item_3 < next.Length; _item_3++)
                    {
                        next[_item_3] = next[_item_3] with { X = next_X[_item_3], Y = next_Y[_item_3] };
                    }
                }

                // reverse sweep
                double _d_dt = 0.0;

                // next[0] = next[0] with { Y = next[0].Y * 2 };
                double _g4 = _d_next_Y[0];
                _d_next_Y[0] = 0.0;
                _d_next_Y[0] += _g4 * 2.0;

                // for (int i = 0; i < p.Length; i++)
                for (int i = p.Length - 1; i >= 0; i--)
                {
                    // next[i] = new V2(p[i].X + dt * p[i].Y * p[i].Y, p[i].Y - dt * p[i].X);
                    double _g2 = _d_next_Y[i];
                    _d_next_Y[i] = 0.0;
                    dP_Y[i] += _g2;
                    double _g3 = -_g2;
                    _d_dt += _g3 * p_X[i];
                    dP_X[i] += _g3 * dt;
                    double _g0 = _d_next_X[i];
                    _d_next_X[i] = 0.0;
                    dP_X[i] += _g0;
                    double _g1 = _g0 * p_Y[i];
                    _d_dt += _g1 * p_Y[i];
                    dP_Y[i] += _g1 * dt;
                    dP_Y[i] += _g0 * (dt * p_Y[i]);
                }

                // back to the caller
                dDt += _d_dt;
                if (dP is { Length: > 0 })
                {
                    for (int _item_1 = 0; _item_1 < p.Length; _item_1++)
                    {
                        dP[_item_1] = dP[_item_1] with { X = dP[_item_1].X + dP_X[_item_1], Y = dP[_item_1].Y + dP_Y[_item_1] };
                    }
                }
            }
            finally
            {
                global::Backprop.CompilerServices.Buffers.Return(_d_next_X);
                global::Backprop.CompilerServices.Buffers.Return(_d_next_Y);
                global::Backprop.CompilerServices.Buffers.Return(p_X);
                global::Backprop.CompilerServices.Buffers.Return(p_Y);
                global::Backprop.CompilerServices.Buffers.Return(dP_X);
                global::Backprop.CompilerServices.Buffers.Return(dP_Y);
                global::Backprop.CompilerServices.Buffers.Return(next_X);
                global::Backprop.CompilerServices.Buffers.Return(next_Y);
                global::Backprop.CompilerServices.Buffers.Return(dNext_X);
                global::Backprop.CompilerServices.Buffers.Return(dNext_Y);
            }
        }