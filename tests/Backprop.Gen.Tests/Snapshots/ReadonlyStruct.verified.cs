        public static global::Shapes.R3 SpinBackward(global::Shapes.R3 a, double t, ref global::Shapes.R3 dA, ref double dT, global::Shapes.R3 seed)
        {
            // forward sweep
            double _result_X = a.X * t + a.Y;
            double _result_Y = a.Y * a.Z;
            double _t0 = global::System.Math.Cos(t);
            double _result_Z = a.Z * _t0;
            global::Shapes.R3 _value = new global::Shapes.R3(_result_Z, _result_X, _result_Y);

            // reverse sweep
            double _d_result_X = seed.X;
            double _d_result_Y = seed.Y;
            double _d_result_Z = seed.Z;

            // return new R3(a.Z * Math.Cos(t), a.X * t + a.Y, a.Y * a.Z);
            double _d_a_Z = _d_result_Z * _t0;
            double _d_t0 = _d_result_Z * a.Z;
            dT -= _d_t0 * global::System.Math.Sin(t);
            double _d_a_Y = _d_result_Y * a.Z;
            _d_a_Z += _d_result_Y * a.Y;
            double _d_a_X = _d_result_X * t;
            dT += _d_result_X * a.X;
            _d_a_Y += _d_result_X;

            // back to the caller
            dA = new global::Shapes.R3(dA.Z + _d_a_Z, dA.X + _d_a_X, dA.Y + _d_a_Y);
            return _value;
        }